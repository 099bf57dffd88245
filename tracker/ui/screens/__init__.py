"""Modal screens: help, file dialogs, confirmations."""
