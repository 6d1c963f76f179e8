"""How to write Markdown: the options every Markdown writer takes, and their choices."""

from __future__ import annotations

from typing import Literal

from ..filenames import FileNameMap, ProjectFolders
from ..frozen import frozen

Flavor = Literal["obsidian", "markdown"]
IconForm = Literal["img", "image", "embed", "link"]
Compat = Literal["faithful", "reference"]


@frozen
class MarkdownOptions:
    """How to write Markdown.

    * `flavor`: `obsidian` (wikilinks, tags, highlights) or `markdown` (portable GFM).
    * `project`: the Scrapbox project, for the URLs of its icons.
    * `icons`: `image` (a Markdown image; in Obsidian at text height, `![name.icon|20](…)`),
      `img` (an `<img>` tag at text height, as the reference converter writes), `embed` (an
      Obsidian embed of a local `NAME.icon.png`) or `link` (a link to the icon's page).
    * `headings`: the heading level for a line that is only a `[* ]`, `[** ]`, … decoration,
      by number of asterisks; counts beyond the last entry take the last entry's level.
    * `scrapbox_host`: where links to Scrapbox pages and icons point.
    * `pages`: the file names of the project's pages; links then go to the file of the page
      Scrapbox would open (`[ABC170_E]` to `ABC170 E.md`). Without it, a link goes to the
      file named after its own text.
    * `project_folders`: `(project, folder)` pairs of Scrapbox projects whose notes are
      folders of the same vault, relative to its root (see `ProjectFolders`, which checks
      them): a link to a page of one (`[/villagepump/a b]`) goes to its note there instead of
      its web page. The notes written are in the folder of `project` when it is named, else
      in a folder right below the vault's root.
    """

    flavor: Flavor = "obsidian"
    project: str = ""
    icons: IconForm | None = None
    headings: tuple[int, ...] = (3, 2, 1)
    scrapbox_host: str = "https://scrapbox.io"
    compat: Compat = "faithful"
    pages: FileNameMap | None = None
    project_folders: tuple[tuple[str, str], ...] = ()

    @property
    def icon_form(self) -> IconForm:
        if self.icons is not None:
            return self.icons
        return "image"

    def __post_init__(self) -> None:
        if not self.headings or not all(1 <= level <= 6 for level in self.headings):
            raise ValueError(f"headings must be levels from 1 to 6, not {self.headings!r}")
        if self.project_folders:
            if self.compat == "reference":
                raise ValueError("project_folders apply to the faithful format only")
            # Checked, and normalised so that the same folders compare equal.
            folders = ProjectFolders(self.project_folders).folders
            object.__setattr__(self, "project_folders", folders)

    def heading_level(self, stars: int) -> int:
        return self.headings[min(stars, len(self.headings)) - 1]
