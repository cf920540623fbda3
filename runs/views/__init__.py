"""Every view of the app: pages (pages.py), the viewer's parts (viewer.py), /healthz (health.py)
and the CSRF failure page (csrf.py)."""
