#!/usr/bin/python3
"""Writes the Hugging Face cases of the malformed-input corpus (test/malformed/hf).

Each case is a model directory that the Hugging Face importer must refuse:
config.json, and a model.safetensors, a shard index or a manifest.json
(given with --manifest), plus expected.txt, a piece of the error message
run_corpus.py requires. The model is a one-layer Llama small enough that the
checked-in files stay tiny; each case breaks one thing. The files are
checked in; this script documents how each was made and regenerates them:

  python3 test/malformed/make_hf_corpus.py test/malformed
"""
import json
import os
import shutil
import struct
import sys

out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__), "hf")

CONFIG = {"architectures": ["LlamaForCausalLM"], "vocab_size": 8,
          "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
          "num_attention_heads": 2, "num_key_value_heads": 2,
          "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
          "tie_word_embeddings": True, "hidden_act": "silu"}
DEEPSEEK = {"architectures": ["DeepseekV2ForCausalLM"], "vocab_size": 8,
            "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 2, "kv_lora_rank": 4, "q_lora_rank": None,
            "qk_nope_head_dim": 2, "qk_rope_head_dim": 2, "v_head_dim": 2,
            "n_routed_experts": 4, "num_experts_per_tok": 2,
            "moe_intermediate_size": 4, "first_k_dense_replace": 0}


def f32(n):
    return struct.pack("<%df" % n, *[0.25 * (i % 7) for i in range(n)])


def safetensors(tensors, data=None, header_length=None, pad=True):
    """tensors: {name: {dtype, shape, data_offsets}}; data: the data bytes
    (default: zeros up to the largest end offset)."""
    text = json.dumps(tensors, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    if data is None:
        end = max([t["data_offsets"][1] for k, t in tensors.items()
                   if isinstance(t, dict) and "data_offsets" in t] or [0])
        data = f32(end // 4) + b"\0" * (end % 4)
    n = len(text) if header_length is None else header_length
    return struct.pack("<Q", n) + text + data


def layout(entries):
    """entries: [(name, dtype, shape)] laid out back to back."""
    size = {"F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1}
    header, offset = {}, 0
    for name, dtype, shape in entries:
        n = size[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + n]}
        offset += n
    return header


EMBED = [("model.embed_tokens.weight", "F32", (8, 8))]


def case(name, expected, config=CONFIG, files=None):
    d = os.path.join(out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(config if isinstance(config, str) else json.dumps(config, indent=1))
    for fname, data in (files or {}).items():
        os.makedirs(os.path.dirname(os.path.join(d, fname)), exist_ok=True)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data if isinstance(data, bytes) else json.dumps(data).encode())
    with open(os.path.join(d, "expected.txt"), "w") as f:
        f.write(expected + "\n")


def st(data):
    return {"model.safetensors": data}


shutil.rmtree(out, ignore_errors=True)
valid = safetensors(layout(EMBED))

# --- safetensors: the header -------------------------------------------------
case("st_too_short", "too short for a safetensors header (5 bytes)",
     files=st(b"\x10\0\0\0\0"))
case("st_header_length_past_eof",
     "header length 1099511627776 runs past the end of the file",
     files=st(safetensors(layout(EMBED), header_length=1 << 40)))
case("st_header_length_all_ones",
     "header length 18446744073709551615 runs past the end of the file",
     files=st(safetensors(layout(EMBED), header_length=(1 << 64) - 1)))
case("st_header_not_json", "safetensors header is not JSON",
     files=st(struct.pack("<Q", 8) + b"<html>  " + f32(4)))
case("st_header_not_object", "safetensors header is not a JSON object",
     files=st(struct.pack("<Q", 8) + b"[1, 2]  "))
case("st_entry_not_object", "tensor 'model.embed_tokens.weight': header entry is not an object",
     files=st(safetensors({"model.embed_tokens.weight": [0, 256]})))
case("st_metadata_not_strings", "'__metadata__' must be an object of strings",
     files=st(safetensors(dict(layout(EMBED), __metadata__={"format": 1}))))
case("st_truncated",
     "field 'data_offsets' [0, 256] lies outside the file's 200 data bytes",
     files=st(valid[:len(valid) - 56]))

# --- safetensors: data offsets -------------------------------------------------
two = layout(EMBED + [("model.norm.weight", "F32", (8,))])
h = json.loads(json.dumps(two))
h["model.norm.weight"]["data_offsets"] = [224, 256]
case("st_offsets_overlap",
     "tensor 'model.norm.weight': field 'data_offsets' [224, 256] overlaps "
     "tensor 'model.embed_tokens.weight' [0, 256]",
     files=st(safetensors(h, data=f32(72))))
h = json.loads(json.dumps(two))
h["model.norm.weight"]["data_offsets"] = [260, 292]
case("st_offsets_gap",
     "data bytes [256, 260) belong to no tensor (tensor 'model.norm.weight' starts at 260)",
     files=st(safetensors(h, data=f32(73))))
case("st_trailing_bytes",
     "data bytes [256, 264) at the end of the file belong to no tensor",
     files=st(safetensors(layout(EMBED), data=f32(66))))
h = layout(EMBED)
h["model.embed_tokens.weight"]["data_offsets"] = [-256, 0]
case("st_offsets_negative",
     "field 'data_offsets' [-256, 0] lies outside the file's 256 data bytes",
     files=st(safetensors(h, data=f32(64))))
h["model.embed_tokens.weight"]["data_offsets"] = [256, 0]
case("st_offsets_reversed",
     "field 'data_offsets' [256, 0] lies outside the file's 256 data bytes",
     files=st(safetensors(h, data=f32(64))))
h["model.embed_tokens.weight"]["data_offsets"] = [0, 9223372036854775807]
case("st_offsets_int64_max",
     "field 'data_offsets' [0, 9223372036854775807] lies outside the file's 256 data bytes",
     files=st(safetensors(h, data=f32(64))))
h["model.embed_tokens.weight"]["data_offsets"] = [0]
case("st_offsets_not_a_pair", "field 'data_offsets' must be [begin, end]",
     files=st(safetensors(h, data=f32(64))))

# --- safetensors: dtype and shape ------------------------------------------
h = layout(EMBED)
h["model.embed_tokens.weight"]["shape"] = [8, 4]
case("st_dtype_shape_mismatch",
     "field 'data_offsets' spans 256 bytes but dtype F32 and shape 8x4 need 128",
     files=st(safetensors(h, data=f32(64))))
h = layout(EMBED)
h["model.embed_tokens.weight"]["dtype"] = "I64"
case("st_dtype_unsupported",
     "field 'dtype' is 'I64'; Tessera reads F32, F16, BF16 and F8_E4M3",
     files=st(safetensors(h, data=f32(64))))
h = layout(EMBED)
h["model.embed_tokens.weight"]["shape"] = [1 << 40, 1 << 40]
case("st_huge_dims",
     "field 'shape' holds a dimension that is not a non-negative integer (or the tensor is too large)",
     files=st(safetensors(h, data=f32(64))))
h["model.embed_tokens.weight"]["shape"] = [8, -8]
case("st_negative_dim",
     "field 'shape' holds a dimension that is not a non-negative integer",
     files=st(safetensors(h, data=f32(64))))
case("shape_contradicts_config",
     "tensor 'model.embed_tokens.weight' in 'model.safetensors' has shape 8x4 "
     "but", files=st(safetensors(layout([("model.embed_tokens.weight", "F32", (8, 4))]))))
case("dtype_contradicts_config",
     "is F8_E4M3 but",
     files=st(safetensors(layout([("model.embed_tokens.weight", "F8_E4M3", (8, 8))]))))

# --- config.json -------------------------------------------------------------
case("config_not_object", "config.json: not a JSON object", config="[1, 2]",
     files=st(valid))
case("config_string", "config.json: not a JSON object", config='"LlamaForCausalLM"',
     files=st(valid))
case("config_empty", "config.json: not JSON", config="", files=st(valid))
case("config_architectures_not_list",
     "field 'architectures' must be a list of one architecture name",
     config=dict(CONFIG, architectures="LlamaForCausalLM"), files=st(valid))
case("config_huge_hidden_size",
     "field 'hidden_size' is 1099511627776; Tessera reads at most 16777216",
     config=dict(CONFIG, hidden_size=1 << 40), files=st(valid))
case("config_huge_vocab",
     "field 'vocab_size' is 9223372036854775807; Tessera reads at most 16777216",
     config=dict(CONFIG, vocab_size=(1 << 63) - 1), files=st(valid))
case("config_huge_head_dim",
     "field 'head_dim' is 4611686018427387904; Tessera reads at most 65536",
     config=dict(CONFIG, head_dim=1 << 62), files=st(valid))
case("config_huge_derived_head_dim",
     "field 'head_dim (hidden_size / num_attention_heads)' is 8388608; Tessera reads at most 65536",
     config=dict(CONFIG, hidden_size=1 << 24), files=st(valid))
case("config_huge_layers",
     "field 'num_hidden_layers' is 1000000000000; Tessera reads at most 65536",
     config=dict(CONFIG, num_hidden_layers=10 ** 12), files=st(valid))
case("config_huge_experts",
     "field 'n_routed_experts' is 1000000000000; Tessera reads at most 65536",
     config=dict(DEEPSEEK, n_routed_experts=10 ** 12), files=st(valid))
case("config_huge_rope_head_dim",
     "field 'qk_rope_head_dim' is 1099511627776; Tessera reads at most 65536",
     config=dict(DEEPSEEK, qk_rope_head_dim=1 << 40), files=st(valid))
case("config_huge_fp8_block",
     "field 'quantization_config.weight_block_size' is 9223372036854775807; Tessera reads at most 16777216",
     config=dict(DEEPSEEK, quantization_config={
         "quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
         "weight_block_size": [(1 << 63) - 1, 128]}), files=st(valid))
case("config_float_dim", "field 'hidden_size' must be an integer >= 1",
     config=dict(CONFIG, hidden_size=8.5), files=st(valid))

# --- index and manifest ------------------------------------------------------
case("index_not_object", "model.safetensors.index.json: field 'weight_map' is missing or not an object",
     files={"model.safetensors.index.json": [1, 2]})
case("index_file_not_string",
     "field 'weight_map' entry for tensor 'model.embed_tokens.weight' is not a file name",
     files={"model.safetensors.index.json": {"weight_map": {"model.embed_tokens.weight": 7}}})
case("index_absolute_file",
     "tensor 'model.embed_tokens.weight' names file '/etc/passwd' outside the model directory",
     files={"model.safetensors.index.json": {"weight_map": {"model.embed_tokens.weight": "/etc/passwd"}}})
case("index_shard_is_directory", "is not a regular file",
     files={"model.safetensors.index.json": {"weight_map": {"model.embed_tokens.weight": "shard"}},
            "shard/placeholder": b""})
case("manifest_not_object", "manifest.json: field 'tensors' is missing or not an array",
     files={"manifest.json": [1, 2]})
case("manifest_offset_overflow",
     "field 'offset' must be a non-negative integer (and offset + size must fit in 64 bits)",
     files={"manifest.json": {"tensors": [
         {"name": "model.embed_tokens.weight", "dtype": "F32", "shape": [8, 8],
          "file": "model.safetensors", "offset": (1 << 63) - 100, "size": 256}]}})
case("manifest_size_mismatch",
     "tensor 'model.embed_tokens.weight': field 'size' must be 256 (dtype F32, shape 8x8)",
     files={"manifest.json": {"tensors": [
         {"name": "model.embed_tokens.weight", "dtype": "F32", "shape": [8, 8],
          "file": "model.safetensors", "offset": 8, "size": 255}]}})
case("manifest_file_outside",
     "field 'file' must name a file inside the model directory",
     files={"manifest.json": {"tensors": [
         {"name": "model.embed_tokens.weight", "dtype": "F32", "shape": [8, 8],
          "file": "../model.safetensors", "offset": 8, "size": 256}]}})
print("wrote %d Hugging Face cases in %s" % (len(os.listdir(out)), out))
