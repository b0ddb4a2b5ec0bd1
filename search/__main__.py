"""`python -m search` runs the `newsearch` command."""

from search.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module (forkserver, spawn)
    main()
