"""Serve the sample run records: `python -m sample_api [--port 8765] [--token T]`."""

import argparse

from sample_api.records import SAMPLE_RUN_IDS, encoded_records
from sample_api.server import SampleArchalServer

DEFAULT_TOKEN = "sample-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    server = SampleArchalServer((args.host, args.port), encoded_records(), args.token, verbose=True)
    print(f"Sample Archal API on {server.url} (token {args.token!r}); runs: {', '.join(SAMPLE_RUN_IDS)}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
