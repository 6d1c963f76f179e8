"""Obsidian and plain Markdown."""
