"""Widgets, one per file; each draws state it is given and posts messages for edits."""
