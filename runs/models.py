"""What the dashboard remembers: every lookup, and the last record of each run."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

import zstandard
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Q, Subquery
from django.utils import timezone

from runs import upstream
from runs.outcomes import LookupOutcome, recorded_as

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

RUN_ID_MAX_LENGTH = 256
LOOKUP_WINDOW = timedelta(minutes=1)  # what the lookup limit counts (runs/throttle.py), and views share a row in


def _trim(queryset: models.QuerySet, keep: int, newest_first: str, spare: Q | None = None) -> None:
    """Delete all but the `keep` newest rows of a queryset, and the rows matching `spare`.

    One query finds the boundary, so a concurrent trim deleting the same rows
    (several web processes do this at once) cannot pull it out from under us.
    """
    field = newest_first.lstrip("-")
    boundary = list(queryset.order_by(newest_first).values_list(field, flat=True)[keep : keep + 1])
    if boundary:
        older = queryset.filter(**{f"{field}__lte": boundary[0]})
        (older if spare is None else older.exclude(spare)).delete()


class LookupQuerySet(models.QuerySet):
    def record(
        self,
        run_id: str,
        outcome: upstream.FetchOutcome | None,
        user: AbstractBaseUser | AnonymousUser | None = None,
        client_address: str | None = None,
        size_bytes: int | None = None,
    ) -> Lookup | None:
        """Save one lookup, trimming the table to LOOKUPS_KEPT rows; return its row, or None
        when it was counted on the row of the same person's view of the minute.

        `outcome` is what Archal answered, or None when a recent snapshot
        answered instead (`size_bytes` is then its size).
        """
        if isinstance(outcome, upstream.RunFound):
            size_bytes = len(outcome.body)
        who = user if user is not None and user.is_authenticated else None
        if outcome is None and self._counted_as_repeat(run_id, who, client_address):
            return None
        with transaction.atomic():
            lookup = self.create(
                run_id=run_id,
                user=who,
                client_address=client_address,
                outcome=recorded_as(outcome),
                upstream_status=None if outcome is None else outcome.status,
                duration_ms=0 if outcome is None else outcome.elapsed_ms,
                size_bytes=size_bytes,
            )
            # The minute's lookups of a person or address are what the lookup limit counts:
            # no trim takes them, however many rows came since.
            counted = (
                Q(looked_up_at__gt=timezone.now() - LOOKUP_WINDOW)
                & ~Q(outcome=LookupOutcome.RECENT_COPY)
                & (Q(user__isnull=False) | Q(client_address__isnull=False))
            )
            _trim(self.exclude(counted), settings.LOOKUPS_KEPT, "-id")
        return lookup

    def _counted_as_repeat(self, run_id: str, user: AbstractBaseUser | None, client_address: str | None) -> bool:
        """Count a recent-copy view of `run_id` once more on the same person's row of the last
        minute, if there is one.

        One row per person, run and minute however often a page is reloaded: a
        flood of views can neither push the lookups a limit counts out of the
        table nor bury the audit trail. One UPDATE, the only query of a reload
        (two racing first views may each add a row: both are counted).
        """
        same = self.filter(
            run_id=run_id, outcome=LookupOutcome.RECENT_COPY, user=user,
            looked_up_at__gt=timezone.now() - LOOKUP_WINDOW,
        )
        if user is None:
            same = same.filter(client_address=client_address)
        newest = same.order_by("-id").values("pk")[:1]
        return self.filter(pk=Subquery(newest)).update(views=F("views") + 1) > 0

    def recent_runs(self, limit: int) -> LookupQuerySet:
        """Return the newest lookup of each of the `limit` most recently looked-up runs."""
        newest_per_run = self.values("run_id").annotate(newest=Max("id")).values("newest")
        return self.filter(id__in=newest_per_run).order_by("-id")[:limit]


class Lookup(models.Model):
    """One time someone asked the dashboard for a run."""

    run_id = models.CharField(max_length=RUN_ID_MAX_LENGTH, db_index=True)
    looked_up_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    outcome = models.CharField(max_length=20, choices=LookupOutcome.choices)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # Who asked when sign-in is off; runs.throttle counts lookups per address then.
    client_address = models.GenericIPAddressField(null=True, blank=True)
    # Answers from a recent copy repeated by one person within a minute share a row.
    views = models.PositiveIntegerField(default=1)

    objects = LookupQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.run_id} ({self.get_outcome_display()}, {self.looked_up_at:%Y-%m-%d %H:%M})"


class BodyEncoding(models.TextChoices):
    """How a snapshot's body is stored (the README's Performance section has the measurements)."""

    IDENTITY = "", "as sent"  # rows stored before snapshots were compressed
    ZSTD = "zstd", "Zstandard"


# Zstandard's default level: run records shrink 3-4x (a few KB) to 14x (MB of
# repetitive traces), 50 MB compresses in ~70 ms and decompresses in ~50 ms.
# gzip 6 shrinks them 9x at ten times the compression time and three times the
# decompression time; zstd 9 shrinks them 19x at seven times the compression time.
ZSTD_LEVEL = 3


def encode_body(body: bytes) -> bytes:
    """Return `body` as stored (BodyEncoding.ZSTD): a Zstandard frame that names its size."""
    return zstandard.compress(body, ZSTD_LEVEL)


def decode_body(stored: bytes | memoryview, encoding: str) -> bytes:
    """Return the bytes Archal sent, from a snapshot's stored body and its encoding.

    The one place a stored body is read back; PostgreSQL hands a memoryview,
    which Zstandard reads without a copy.
    """
    if encoding == BodyEncoding.ZSTD:
        return zstandard.decompress(stored)
    if encoding == BodyEncoding.IDENTITY:
        return bytes(stored)
    raise ValueError(f"unknown snapshot encoding {encoding!r}")


class SnapshotQuerySet(models.QuerySet):
    def store(self, run_id: str, body: bytes) -> dict:
        """Keep `body` as the last record of `run_id`, compressed; trim to SNAPSHOTS_KEPT runs.

        Returns the stored fields but the body: sha256, size_bytes, fetched_at
        (digest and size of `body` as sent, not as stored).
        """
        digest = hashlib.sha256(body).hexdigest()
        now = timezone.now()
        fields = {"sha256": digest, "size_bytes": len(body), "fetched_at": now}
        # Same record as before, stored compressed: move the timestamp, don't rewrite megabytes.
        same = self.filter(run_id=run_id, sha256=digest, encoding=BodyEncoding.ZSTD)
        # Compressed before the transaction, since SQLite's write lock is held throughout one.
        packed = None if same.exists() else encode_body(body)
        with transaction.atomic():
            stored = same.update(fetched_at=fields["fetched_at"])
            if not stored:
                row = {**fields, "body": encode_body(body) if packed is None else packed,  # changed since
                       "encoding": BodyEncoding.ZSTD}
                if not self.filter(run_id=run_id).update(**row):
                    try:
                        with transaction.atomic():
                            self.create(run_id=run_id, **row)
                    except IntegrityError:  # a concurrent fetch of the same run won
                        self.filter(run_id=run_id).update(**row)
            # A snapshot young enough to answer as a recent copy stays, however many runs
            # came since: trimming it would send its next viewers to Archal again.
            young = now - timedelta(seconds=max(settings.RUN_CACHE_SECONDS, 0))
            _trim(self.all(), settings.SNAPSHOTS_KEPT, "-fetched_at", spare=Q(fetched_at__gte=young))
        return fields


class Snapshot(models.Model):
    """The last record fetched successfully for a run, as Archal sent it (stored compressed)."""

    run_id = models.CharField(max_length=RUN_ID_MAX_LENGTH, unique=True)
    body = models.BinaryField()  # as `encoding` says: original_body() is what Archal sent
    encoding = models.CharField(
        max_length=8, choices=BodyEncoding.choices, default=BodyEncoding.IDENTITY, blank=True, editable=False,
    )
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    fetched_at = models.DateTimeField(db_index=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.run_id} ({self.size_bytes:,} bytes, {self.fetched_at:%Y-%m-%d %H:%M})"

    def original_body(self) -> bytes:
        """The record exactly as Archal sent it."""
        return decode_body(self.body, self.encoding)


class SnapshotOutline(models.Model):
    """What a process that has not parsed a snapshot needs to answer for parts of it
    (runs/cold.py): the record's outline (runs/outline.py) and its search index, both
    compressed; made from the record with the digest `sha256`, and used for no other."""

    snapshot = models.OneToOneField(Snapshot, on_delete=models.CASCADE, related_name="outline")
    sha256 = models.CharField(max_length=64)
    outline = models.BinaryField()
    search_index = models.BinaryField()
    made_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"outline of {self.snapshot_id} ({self.sha256[:12]})"


class SignInFailure(models.Model):
    """One failed sign-in, kept for SIGNIN_LOCKOUT_SECONDS to throttle password guessing.

    A table rather than Django's database cache: it needs no extra
    `createcachetable` step at release, every process sees the same rows, and
    an admin can see who is being guessed at and lift a lockout by deleting rows.
    """

    username = models.CharField(max_length=150, db_index=True)  # as typed, casefolded
    client_address = models.GenericIPAddressField(db_index=True)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-failed_at"]
        verbose_name = "failed sign-in"

    def __str__(self) -> str:
        return f"{self.username} from {self.client_address} ({self.failed_at:%Y-%m-%d %H:%M:%S})"
