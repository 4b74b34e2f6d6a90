"""``python -m porter``: the same command line as ``porter``."""

from porter.cli import main

if __name__ == "__main__":
    main()
