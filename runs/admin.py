from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from runs.models import Lookup, SignInFailure, Snapshot
from runs.signin import AdminSignInForm

# The admin's sign-in page says when a lockout applies, like the site's own.
admin.site.login_form = AdminSignInForm


@admin.register(Lookup)
class LookupAdmin(admin.ModelAdmin):
    # A tuple of plain field names: both a list_display and a readonly_fields.
    list_display = (
        "run_id", "looked_up_at", "user", "client_address", "outcome", "upstream_status",
        "duration_ms", "size_bytes", "views",
    )
    list_filter = ["outcome", "looked_up_at"]
    search_fields = ["run_id"]
    date_hierarchy = "looked_up_at"
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:  # lookups are made by looking up
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["run_id", "fetched_at", "size_bytes"]
    search_fields = ["run_id"]
    exclude = ["body"]  # megabytes of JSON do not belong in a form
    readonly_fields = ["run_id", "fetched_at", "size_bytes", "sha256"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Snapshot]:
        return super().get_queryset(request).defer("body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    """Who is failing to sign in; deleting an account's rows lifts its lockout."""

    list_display = ("username", "client_address", "failed_at")
    search_fields = ["username", "client_address"]
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:  # made by failing to sign in
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignInFailure | None = None) -> bool:
        return False
