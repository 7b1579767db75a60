# Shortcuts for the README's commands.
.PHONY: run test extension
run:
	scripts/run
test:
	scripts/test
extension:
	node extension/build.mjs
