"""`python -m scrapconv`: the `scrapconv` command."""

from scrapconv.cli import main

main(prog_name="scrapconv")
