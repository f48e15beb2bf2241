"""``python -m data_scripts``: fetch, verify and list the datasets."""
import argparse
import sys

from . import DATASETS, fetch, is_cached
from .cache import cache_path
from .errors import DataError
from .sources import get_spec


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m data_scripts", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    get = sub.add_parser("fetch", help="download (or copy) and cache datasets")
    get.add_argument("names", nargs="+", choices=sorted(DATASETS))
    where = get.add_mutually_exclusive_group()
    where.add_argument("--from", dest="source_dir", metavar="DIR",
                       help="a folder of the standard files instead of the internet")
    where.add_argument("--mirror", dest="mirrors", metavar="URL", action="append", default=[],
                       help="a base URL to download from before the built-in mirrors "
                            "(repeatable: tried in the order given)")
    get.add_argument("--cache-dir", metavar="DIR", help="where the cache goes")
    get.add_argument("--force", action="store_true", help="rebuild even if cached")
    listing = sub.add_parser("list", help="which datasets are cached, and where")
    listing.add_argument("--cache-dir", metavar="DIR")
    bundle = sub.add_parser("make-bundled", help="regenerate the bundled mini MNIST")
    bundle.add_argument("--from", dest="source_dir", metavar="DIR", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            for name in args.names:
                mirrors = list(dict.fromkeys([*args.mirrors, *get_spec(name).mirrors]))
                print(f"{name}: {fetch(name, args.source_dir, args.cache_dir, mirrors, force=args.force)}")
        elif args.command == "list":
            for name in sorted(DATASETS):
                state = "cached" if is_cached(name, args.cache_dir) else "not cached"
                print(f"{name:14} {state:11} {cache_path(name, args.cache_dir)}")
        else:
            from .bundled import make_bundled
            print(make_bundled(args.source_dir))
    except (DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was cached; run the same command again to resume",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
