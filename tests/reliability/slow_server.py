"""`gpsearch serve`'s gunicorn set-up with one extra route, `/slow?seconds=S`, for the
graceful-shutdown test: a request that is surely still running when SIGTERM arrives.

python -m tests.reliability.slow_server INDEX_DIR PORT
"""

from __future__ import annotations

import sys
import time
from typing import Any

from webui.config import load_config
from webui.server import GunicornApp, gunicorn_options


class SlowApp(GunicornApp):
    def load(self) -> Any:
        app = super().load()

        @app.get("/slow")
        def slow() -> dict[str, Any]:
            from flask import request

            seconds = float(request.args.get("seconds", "2"))
            started = time.monotonic()
            time.sleep(seconds)
            return {"slept": round(time.monotonic() - started, 2)}

        return app


def main() -> None:
    index_dir, port = sys.argv[1], int(sys.argv[2])
    config = load_config({"INDEX_DIR": index_dir})
    SlowApp(config, gunicorn_options("127.0.0.1", port, 2)).run()


if __name__ == "__main__":
    main()
