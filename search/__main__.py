"""`python -m search` runs the `newsearch` command."""

from search.cli import main

main()
