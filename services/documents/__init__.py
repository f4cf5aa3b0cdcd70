"""Documents an official already has (PDF, Word, a photo of a paper notice) turned into the
text the commune radio reads: extraction and OCR, then the cleaning a listener needs."""
