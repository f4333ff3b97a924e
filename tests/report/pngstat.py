#!/usr/bin/python3
# pngstat.py FILE: decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's --screenshot
# writes) with the standard library only and prints "colours=N blue=N red=N": how many distinct
# colours it has, and how many pixels are clearly blue or clearly red (the report's timeline marks).
# Exits 1 on anything else, so a broken screenshot fails the test instead of passing it.
import struct
import sys
import zlib


def decode(data):
	if data[:8] != b"\x89PNG\r\n\x1a\n":
		raise ValueError("not a PNG")
	pos, idat, ihdr = 8, [], None
	while pos < len(data):
		n, kind = struct.unpack(">I4s", data[pos:pos + 8])
		body = data[pos + 8:pos + 8 + n]
		if kind == b"IHDR":
			ihdr = struct.unpack(">IIBBBBB", body)
		elif kind == b"IDAT":
			idat.append(body)
		elif kind == b"IEND":
			break
		pos += 12 + n
	w, h, depth, ctype, _, _, interlace = ihdr
	if depth != 8 or ctype not in (2, 6) or interlace:
		raise ValueError("unsupported PNG: depth %d colour type %d interlace %d"
				 % (depth, ctype, interlace))
	bpp = 3 if ctype == 2 else 4
	raw = zlib.decompress(b"".join(idat))
	stride = w * bpp
	prev = bytearray(stride)
	rows = []
	for y in range(h):
		f = raw[y * (stride + 1)]
		line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
		for i in range(stride):
			a = line[i - bpp] if i >= bpp else 0
			b = prev[i]
			c = prev[i - bpp] if i >= bpp else 0
			if f == 1:
				line[i] = (line[i] + a) & 255
			elif f == 2:
				line[i] = (line[i] + b) & 255
			elif f == 3:
				line[i] = (line[i] + ((a + b) >> 1)) & 255
			elif f == 4:
				p = a + b - c
				pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
				pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
				line[i] = (line[i] + pr) & 255
			elif f != 0:
				raise ValueError("bad filter %d" % f)
		rows.append(bytes(line))
		prev = line
	return w, h, bpp, rows


def main():
	w, h, bpp, rows = decode(open(sys.argv[1], "rb").read())
	colours, blue, red = set(), 0, 0
	for line in rows:
		for x in range(0, w * bpp, bpp):
			r, g, b = line[x], line[x + 1], line[x + 2]
			colours.add((r, g, b))
			if b > r + 60 and b > g + 20:
				blue += 1
			elif r > b + 60 and r > g + 60:
				red += 1
	print("colours=%d blue=%d red=%d" % (len(colours), blue, red))


if __name__ == "__main__":
	try:
		main()
	except (OSError, ValueError, TypeError, IndexError, struct.error, zlib.error) as e:
		print("pngstat: %s" % e, file=sys.stderr)
		sys.exit(1)
