#!/usr/bin/python3
"""Seeds for the Hugging Face fuzzer (fuzz/HuggingFaceFuzzer.cpp).

  hf_seeds.py OUT_DIR

Writes the tiny model directories of test/huggingface/tiny_hf_models.py (the
valid ones and the broken ones of its 'bad' command), the real configs of
test/huggingface/Inputs (alone, and cut to two layers with a
manifest), and the malformed corpus's
Hugging Face cases, each as one fuzz input: config.json text, then a
separator line and a model.safetensors, a weight manifest or a shard index.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TINY = os.path.join(ROOT, "test", "huggingface", "tiny_hf_models.py")
SEPARATORS = {"safetensors": b"\n--safetensors--\n",
              "manifest": b"\n--manifest--\n", "index": b"\n--index--\n"}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def seeds_of(model_dir):
    """(name, bytes) fuzz inputs for one model directory."""
    files = os.listdir(model_dir)
    config = (read(os.path.join(model_dir, "config.json"))
              if "config.json" in files else b"{}")
    yield "config", config
    for f in sorted(files):
        p = os.path.join(model_dir, f)
        if f.endswith(".safetensors"):
            yield f, config + SEPARATORS["safetensors"] + read(p)
        elif f == "model.safetensors.index.json":
            yield "index", config + SEPARATORS["index"] + read(p)
        elif f == "manifest.json":
            yield "manifest", config + SEPARATORS["manifest"] + read(p)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0

    def emit(prefix, name, data):
        nonlocal count
        with open(os.path.join(out, "%s_%s" % (prefix, name)), "wb") as f:
            f.write(data)
        count += 1

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, TINY, "bad", tmp], check=True)
        for d in sorted(os.listdir(tmp)):
            for name, data in seeds_of(os.path.join(tmp, d)):
                emit(d, name, data)
        # The real configs, cut to one dense and one MoE layer so that the
        # manifest stays small (the whole of DeepSeek-V3's is 16 MB).
        inputs = os.path.join(ROOT, "test", "huggingface", "Inputs")
        for d in sorted(os.listdir(inputs)):
            config = read(os.path.join(inputs, d, "config.json"))
            emit(d, "config", config)
            c = json.loads(config)
            c["num_hidden_layers"] = 2
            c["first_k_dense_replace"] = 1
            short = os.path.join(tmp, d + ".config.json")
            with open(short, "w") as f:
                json.dump(c, f, indent=2)
            manifest = os.path.join(tmp, d + ".manifest.json")
            subprocess.run([sys.executable, TINY, "manifest", short, manifest],
                           check=True)
            emit(d, "2-layers_manifest",
                 read(short) + SEPARATORS["manifest"] + read(manifest))
    corpus = os.path.join(ROOT, "test", "malformed", "hf")
    if os.path.isdir(corpus):
        for d in sorted(os.listdir(corpus)):
            for name, data in seeds_of(os.path.join(corpus, d)):
                emit("malformed-" + d, name, data)
    print("%d Hugging Face seeds in %s" % (count, out))


if __name__ == "__main__":
    main()
