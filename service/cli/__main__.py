"""`python -m service.cli`: the same as the `parallax` command."""

from service.cli import main

main()
