"""poolproof.golden: the committed suite read through golden's C++ reader agrees with numpy's
.npy reader and Python's JSON parser on every file, and checking works case by case."""
import hashlib
import json
import math
import shutil
from fractions import Fraction

import numpy
import pytest
import torch
import xxhash

import poolproof.golden


@pytest.fixture(scope="module")
def suite(source_dir):
    return source_dir / "golden" / "suite"


@pytest.fixture(scope="module")
def manifest_json(suite):
    return json.loads((suite / "manifest.json").read_text())


@pytest.fixture(scope="module")
def cases(suite):
    return list(poolproof.golden.load(suite))


def exact_from_json(text):
    """The "exact" file's strings as Python values, parsed here independently of the C++ side."""
    special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}
    return [special[s] if s in special else Fraction(s) for s in json.loads(text)]


def same_values(a, b):
    return len(a) == len(b) and all(
        (isinstance(x, float) and isinstance(y, float) and
         (math.isnan(x) and math.isnan(y) or x == y and math.copysign(1, x) == math.copysign(1, y)))
        or (not isinstance(x, float) and x == y) for x, y in zip(a, b))


def test_every_case_of_the_manifest_loads(cases, manifest_json):
    assert [c.name for c in cases] == [c["name"] for c in manifest_json["cases"]]
    assert len(cases) == len(manifest_json["cases"]) > 200


def test_arrays_equal_numpys_reading_of_each_file(cases, manifest_json, suite):
    roles = {"input": "input", "grad_output": "grad_output", "indices": "indices",
             "expected": "expected", "expected_grad_input": "expected"}
    for case, entry in zip(cases, manifest_json["cases"]):
        for role, file in entry["files"].items():
            data = (suite / file["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"]
            assert xxhash.xxh3_128_hexdigest(data) == file["xxh128"]
            if role == "exact":
                assert same_values(list(case.exact.flat), exact_from_json(data)), case.name
                continue
            ours = getattr(case, roles[role])
            theirs = numpy.load(suite / file["path"], allow_pickle=False)
            assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (case.name, role)
            assert ours.tobytes() == theirs.tobytes(), (case.name, role)
        assert case.dtype == entry["dtype"] and case.op == entry["op"]
        assert case.input_shape == tuple(entry["input_shape"])
        assert case.output_size == tuple(entry["output_size"])


def test_bfloat16_cases_are_bit_patterns_and_tensors_reinterpret_them(cases):
    case = next(c for c in cases if c.dtype == "bfloat16")
    assert case.input.dtype == numpy.uint16
    tensor = case.tensor("input")
    assert tensor.dtype == torch.bfloat16
    assert numpy.array_equal(tensor.view(torch.int16).numpy().view(numpy.uint16), case.input)


def perturbed(array):
    """The array with element 0's top exponent bit flipped: a value far from the right one."""
    wrong = array.copy()
    bits = wrong.view({2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}[array.itemsize])
    bits.flat[0] ^= bits.dtype.type(1 << (array.itemsize * 8 - 2))
    return wrong


def test_expected_results_pass_strictly_and_perturbed_ones_fail(cases):
    for case in cases:
        indices = case.indices if case.op == "adaptive_max_pool" else None
        report = case.check(case.expected, indices, strict=True)
        assert report.passed and report.off_rounded == 0, f"{case.name}\n{report}"
        wrong = case.check(perturbed(case.expected), indices)
        assert not wrong.passed and wrong.failed_elements >= 1, case.name
        if indices is not None:
            moved = indices.copy()
            moved.flat[0] = -1
            assert not case.check(case.expected, moved).passed, case.name


def test_assert_close_names_the_case(cases):
    case = next(c for c in cases if c.op == "adaptive_avg_pool")
    with pytest.raises(AssertionError, match=f"^golden case {case.name}\nadaptive_avg_pool "):
        case.assert_close(perturbed(case.expected))


def test_filters(suite, manifest_json):
    special = [c.name for c in poolproof.golden.load(suite, tier="special")]
    assert special == [c["name"] for c in manifest_json["cases"] if c["tier"] == "special"]
    assert special
    names = [c.name for c in poolproof.golden.load(suite, names=["seed_*"], ops=[
        "adaptive_max_pool"], dtypes=["float32"])]
    assert names == [c["name"] for c in manifest_json["cases"] if c["name"].startswith("seed_")
                     and c["op"] == "adaptive_max_pool" and c["dtype"] == "float32"]
    assert names


def test_manifest_lists_the_cases(suite, manifest_json):
    entries = poolproof.golden.manifest(suite)
    assert [e["name"] for e in entries] == [c["name"] for c in manifest_json["cases"]]
    assert entries[0]["files"]["input"] == manifest_json["cases"][0]["files"]["input"]["path"]


def test_a_tampered_file_is_refused_naming_it(suite, tmp_path, manifest_json):
    copy = tmp_path / "suite"
    shutil.copytree(suite, copy)
    entry = manifest_json["cases"][1]
    path = copy / entry["files"]["input"]["path"]
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    loaded = poolproof.golden.load(copy)
    assert next(loaded).name == manifest_json["cases"][0]["name"]
    with pytest.raises(ValueError, match=entry["files"]["input"]["path"]):
        next(loaded)


def test_a_missing_suite_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="manifest"):
        list(poolproof.golden.load(tmp_path / "nowhere"))
