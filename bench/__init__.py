"""`make bench`: how the run viewer performs (see __main__.py)."""
