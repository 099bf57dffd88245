"""The terminal UI (Textual): the only package that imports textual."""

import os

# Textual batches screen updates at most TEXTUAL_FPS times a second (60 by default). The
# playhead and meters update the screen all the time, so a key press often lands just
# after a frame and waits for the next: at 60 fps that wait alone can take 16.7 ms, the
# whole key-to-screen budget. 120 halves it; frames are still only sent when something
# changed, so no more bytes go to the terminal. Read when textual is first imported.
os.environ.setdefault("TEXTUAL_FPS", "120")
