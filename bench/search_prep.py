"""Helper of bench/search.sh (not a test).

    python3 bench/search_prep.py corpus SRC DST PAGES
        DST gets copies of SRC/*.md (symbolic links) under distinct names,
        "wc.1-c07.md", until there are at least PAGES files (20,000 from
        348 pages: 58 copies).
    python3 bench/search_prep.py queries OUT
        OUT gets one search URL a line, /api/v1/search?q=..., for the
        queries of tests/http/test_search_relevance.py, then a few a
        hurried user types (misspelt, one word, no match).
    python3 bench/search_prep.py warmup SRC QUERIES OUT
        OUT gets 60 search URLs of SRC's commonest words (one and two a
        search) that share no five-letter start with a word of QUERIES:
        a warm-up for the never-seen runs that fills what a server that
        has been answering other searches has (its map of the file, the
        row lengths) and nothing of the measured searches.
"""
import ast
import os
import re
import sys
import unicodedata
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRA = ["devolucion", "permisos", "lineas", "cambair permisos", "dirctorio", "zzzz nada",
         "archivo OR fichero", "\"linea por linea\"", "red -ip", "conf*"]


def corpus(src, dst, pages):
    names = sorted(n for n in os.listdir(src) if n.endswith(".md"))
    copies = -(-pages // len(names))
    os.makedirs(dst, exist_ok=True)
    for c in range(1, copies + 1):
        for n in names:
            os.symlink(os.path.abspath(os.path.join(src, n)),
                       os.path.join(dst, "%s-c%02d.md" % (n[:-3], c)))
    print(len(names) * copies)


def queries(out):
    path = os.path.join(HERE, "..", "tests", "http", "test_search_relevance.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    qs = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "QUERIES":
            qs = [q for q, _ in ast.literal_eval(node.value)]
    with open(out, "w") as f:
        for q in qs + EXTRA:
            f.write("/api/v1/search?" + urllib.parse.urlencode({"q": q}) + "\n")
    print(len(qs) + len(EXTRA))


def fold(text):
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def warmup(src, queries_file, out):
    taken = set()
    for line in open(queries_file, encoding="utf-8"):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(line.strip()).query).get("q", [""])[0]
        taken.update(w[:5] for w in re.findall(r"[a-z]+", fold(q)))
    df = {}
    for n in sorted(os.listdir(src)):
        if n.endswith(".md"):
            text = fold(open(os.path.join(src, n), encoding="utf-8", errors="replace").read())
            for w in set(re.findall(r"[a-z]{5,}", text)):
                if w[:5] not in taken:
                    df[w] = df.get(w, 0) + 1
    words = [w for w, _ in sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:100]]
    qs = words[:20] + ["%s %s" % (words[i], words[i + 1]) for i in range(20, len(words) - 1, 2)]
    with open(out, "w") as f:
        for q in qs:
            f.write("/api/v1/search?" + urllib.parse.urlencode({"q": q}) + "\n")
    print(len(qs))


if __name__ == "__main__":
    if sys.argv[1] == "corpus":
        corpus(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "warmup":
        warmup(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        queries(sys.argv[2])
