"""Makes the images in this folder and pixels.json: for each image, the 1024
grey values iscc-sdk's image_normalize gives it with Pillow (run with Pillow
9.4.0, Debian's python3-pil 9.4.0-1.1+deb12u1). TestPillowPixels checks that
iscc.Pixels gives the same.

The steps are those of iscc-sdk (iscc_sdk/image.py): fill transparency with
white, trim a uniform border, convert to grey, resize to 32x32 with BICUBIC.
The trim looks at the alpha channel of an RGBA difference image, which is
zero throughout, so it trims nothing; it is done here as iscc-sdk does it.
"""
import json
from PIL import Image, ImageChops


def pattern(w, h, mode):
    img = Image.new(mode, (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            v = int(128 + 100 * ((x * 7 + y * 3) % 37) / 37 - 50 * ((x // 9 + y // 5) % 2)) % 256
            c = (v, (v * 3 + y) % 256, (255 - v + x) % 256)
            if mode == "RGBA":
                px[x, y] = c + ((x * 5 + y * 11) % 256,)
            elif mode == "L":
                px[x, y] = v
            else:
                px[x, y] = c
    return img


def normalize(img):
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    img = Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255)), img)
    diff = ImageChops.difference(img, Image.new(img.mode, img.size, img.getpixel((0, 0))))
    bbox = ImageChops.add(diff, diff).getbbox()
    if bbox != (0, 0) + img.size:
        img = img.crop(bbox)
    return list(img.convert("L").resize((32, 32), Image.BICUBIC).getdata())


framed = Image.new("RGB", (150, 120), (255, 255, 255))
framed.paste(pattern(90, 60, "RGB"), (30, 40))
images = {
    "rgb.png": pattern(100, 77, "RGB"),
    "upscaled.png": pattern(20, 15, "RGB"),
    "alpha.png": pattern(160, 120, "RGBA"),
    "grey.png": pattern(64, 200, "L"),
    "exact.png": pattern(32, 32, "RGB"),
    "wide.png": pattern(600, 31, "RGB"),
    "framed.png": framed,
    "palette.gif": pattern(120, 90, "RGB").convert("P"),
}
pixels = {}
for name, img in images.items():
    img.save(name)
    with Image.open(name) as saved:
        pixels[name] = normalize(saved)
with open("pixels.json", "w") as f:
    f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pixels.items()) + "\n}\n")
