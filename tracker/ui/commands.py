"""The command palette (ctrl+p): every action of the key table, found by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tracker.ui import keymap


class TrackerCommands(Provider):
    """Each Command of tracker.ui.keymap, with the keys that run it."""

    def _commands(self) -> list[tuple[str, str, str]]:
        overrides: dict[str, str] = getattr(self.app, "key_overrides", {})
        return [
            (
                f"{command.group}: {command.description}",
                overrides.get(command.id, command.keys).replace(",", " "),
                command.action,
            )
            for command in keymap.COMMANDS
            if command.id != "palette"
        ]

    async def discover(self) -> Hits:
        for name, keys, action in self._commands():
            yield DiscoveryHit(name, partial(self._run, action), help=keys)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, keys, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._run, action), help=keys)

    async def _run(self, action: str) -> None:
        # Palette actions act on the main screen, as if its key had been pressed there.
        await self.app.run_action(action)
