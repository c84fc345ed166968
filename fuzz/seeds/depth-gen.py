#!/usr/bin/env python3
"""Writes the seeds of the `depth` target into fuzz/seeds/depth/ (committed; rerun to
regenerate). Each seed is what `DepthCase` in `fuzz/check.rs` reads: a cap byte, a
count byte, then PREFIX NUL UNIT NUL SUFFIX. The document is the prefix, the unit
repeated, the suffix: a few dozen bytes that nest past the depth cap, with what the
guard must get right beyond it (misnesting, formatting elements, foreign content,
templates, tables and foster parenting, select, end tags, <base>).

The shapes are written for Chromium's cap of 512 (COUNT below); the seeds put them
under caps of 16 and 5 (cap bytes 12 and 1), with the repeat count moved so that the
document ends as near the cap as under 512: the target fuzzes small caps, where the
unguarded parse it compares with is cheap.
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "depth")

SEEDS = {
    # name: (count, prefix, unit, suffix)
    "divs-600": (600, "<!DOCTYPE html><body>", "<div>", '<a href="/deep">d</a></div><a href=/up>u</a>'),
    "divs-512": (510, "<body>", "<div>", "<a href=/at>a</a><div><a href=/over>o</a>"),
    "spans-700": (700, "", "<span>", "<a href=/s>s</a></span></span><a href=/t>t</a>"),
    "b-div-misnest": (300, "", "<b><div>", "<a href=/y>y</a></b><a href=/z>z</a>"),
    "a-div-misnest": (300, "", '<a href="/a">a<div>', "<a href=/last>l</a>"),
    "nested-a": (600, "", "<a href=/n>n", "</a><a href=/end>e</a>"),
    "font-noah-ark": (600, "", "<font color=red>", "<p><a href=/p>p</a></p><a href=/q>q</a>"),
    "p-span": (400, "", "<p><span>", "</p><a href=/after-p>x</a>"),
    "li": (400, "", "<ul><li>", "<li><a href=/li>l</a></ul><a href=/ul>u</a>"),
    "svg-g": (600, "<div><svg>", "<g>", "<a href=/svg-a>s</a><g/></svg><a href=/html>h</a>"),
    "svg-foreign": (520, "", "<div>", "<svg><foreignObject><a href=/fo>f</a></foreignObject></svg></div><a href=/x>x</a>"),
    "math": (520, "", "<div>", "<math><mi><a href=/mi>m</a></mi><annotation-xml encoding=text/html><a href=/ax>a</a></annotation-xml></math>"),
    "svg-in-span": (520, "", "<span>", "<svg><g><a href=/in>i</a></span><a href=/out>o</a>"),
    "template": (300, "", "<template><div>", "<a href=/t>t</a></template><a href=/u>u</a>"),
    "template-at-cap": (511, "<body>", "<div>", "<template><a href=/in-t>t</a></template><a href=/after>a</a>"),
    "table-cells": (200, "", "<table><tr><td>", "<a href=/cell>c</a>"),
    "table-foster": (520, "", "<div>", "<table><a href=/foster>f</a><tr><td><a href=/c>c</a></table><a href=/t>t</a>"),
    "table-deep-foster": (520, "<table>", "<div>", "<a href=/f>f</a><tr><td><a href=/c>c</a>"),
    "select": (520, "", "<div>", "<select><option><a href=/o>o</a><optgroup><a href=/g>g</a></select><a href=/s>s</a>"),
    "end-tags": (400, "", "<div><span>", "</div></div><a href=/e>e</a></span><a href=/f>f</a>"),
    "base-late": (600, "", "<div>", "<base href=http://b.test/d/><a href=x>x</a>"),
    "raw-text": (520, "", "<div>", "<textarea><a href=/no></textarea><script><a href=/no2></script><a href=/yes>y</a>"),
    "area-map": (520, "", "<map>", "<area href=/area><a href=/a>a</a>"),
    "headings": (520, "", "<h1>", "<h2><a href=/h>h</a></h2>"),
    "button-form": (520, "", "<button><form>", "<a href=/b>b</a></form></button>"),
    "shallow": (3, "<base href=//b.test/>", "<div><a href=d>d</a>", "</div>"),
}


def seed(cap_byte, count, prefix, unit, suffix):
    assert 0 <= count <= 255
    return bytes([cap_byte, count]) + "\0".join([prefix, unit, suffix]).encode()


def under(cap, count):
    """The repeat count under `cap` for `count` under 512: as far past the cap (or as
    near below it) when near it, in proportion otherwise."""
    if count >= 512 - cap:
        return min(255, count - (512 - cap))
    return max(1, -(-count * cap // 512))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (count, prefix, unit, suffix) in SEEDS.items():
        for file, data in [
            (name + "-cap16", seed(12, under(16, count), prefix, unit, suffix)),
            (name + "-cap5", seed(1, under(5, count), prefix, unit, suffix)),
        ]:
            assert len(data) <= 1024, file
            with open(os.path.join(OUT, file), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
