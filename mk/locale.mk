# Message catalogues (issue 16): agent/locale/<lang>/*.po -> agent/locale/<lang>/LC_MESSAGES/cvpn_doctor.mo.
# Included from the Makefile (which defines BIN and STAMP for the venv). Babel comes with the
# `test` extra; the program itself reads the .mo with the standard library's gettext.
#   make locale          compile every language's .po files into its one .mo (commit both)
#   make locale-update   messages.po: add the msgids new in the source (untranslated), drop the gone
#   make locale-check    fail when a committed .mo is not the compiled .po files
.PHONY: locale locale-update locale-check

locale: $(STAMP)
	$(BIN)/python packaging/locale_build.py

locale-update: $(STAMP)
	$(BIN)/python packaging/locale_build.py --update

locale-check: $(STAMP)
	$(BIN)/python packaging/locale_build.py --check
