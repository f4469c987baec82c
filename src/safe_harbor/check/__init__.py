"""Content checks shared by the build and the contributor ``check`` command (reading grade so far)."""
