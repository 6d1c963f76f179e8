"""Scrapbox (Cosense) notation: reader, writer and the reference parser's JSON shape."""
