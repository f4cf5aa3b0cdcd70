"""DejaVu Sans (regular and bold): a free font with every Vietnamese glyph, for posters.

Licence: LICENSE_DEJAVU.txt (Bitstream Vera licence; DejaVu changes are public domain).
"""

from pathlib import Path

FOLDER = Path(__file__).parent
REGULAR = FOLDER / "DejaVuSans.ttf"
BOLD = FOLDER / "DejaVuSans-Bold.ttf"
