"""poolproof.prove_equivalence: the same object as `prove_equivalence --json`, the same errors."""
import json
import subprocess

import pytest

import poolproof


def cli(program, *args):
    """(exit status, parsed --json output or None, stderr) of the prove_equivalence program."""
    done = subprocess.run([program, *map(str, args)], capture_output=True, text=True, timeout=300)
    output = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return done.returncode, output, done.stderr


def size_text(size):
    return "x".join(map(str, size)) if isinstance(size, tuple) else str(size)


@pytest.mark.parametrize("n,m", [(5, 3), (10, 4), (6, 3), (3, 8), (1, 1), (100003, 997),
                                 ((5, 6), (3, 3)), ((224, 224), (7, 7)), ((4, 9, 10), (2, 3, 4)),
                                 (2**62, 3)])
@pytest.mark.parametrize("target", ["pytorch", "onnx", "tflite", "all"])
def test_the_report_is_the_cli_json(prove_equivalence_program, n, m, target):
    status, expected, _ = cli(prove_equivalence_program, size_text(n), size_text(m),
                              "--target", target, "--json")
    report = poolproof.prove_equivalence(n, m, target)
    assert report == expected
    assert report["exit_code"] == status


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("target", ["pytorch", "all"])
def test_one_kind_is_that_kinds_part_of_the_cli_json(prove_equivalence_program, kind, target):
    _, expected, _ = cli(prove_equivalence_program, "10", "4", "--target", target, "--json")
    report = poolproof.prove_equivalence(10, 4, target, kind=kind)
    other = "max" if kind == "avg" else "avg"
    families = report["families"].values() if target == "all" else [report]
    expected_families = expected["families"].values() if target == "all" else [expected]
    for got, want in zip(families, expected_families):
        assert other not in got and got[kind] == want[kind]


def test_verdicts_read_as_python_values():
    report = poolproof.prove_equivalence(5, 3)
    assert report["avg"]["equivalent"] is True and report["exit_code"] == 0
    call = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": False,
            "count_include_pad": False}
    assert report["avg"]["witness"] == {"kernel": 3, "stride": 2, "padding": 1,
                                        "ceil_mode": False, "count_include_pad": False,
                                        "call": call}
    assert poolproof.prove_equivalence(10, 4)["max"]["equivalent"] is False
    two_d = poolproof.prove_equivalence((5, 6), (3, 3))
    assert two_d["avg"]["witness"]["kernel"] == [3, 2] and two_d["in_size"] == [5, 6]


def test_running_out_of_budget_is_unknown_like_the_cli(prove_equivalence_program):
    status, expected, _ = cli(prove_equivalence_program, 5, 3, "--resource-limit", 1, "--json")
    report = poolproof.prove_equivalence(5, 3, resource_limit=1)
    assert report == expected and status == 3
    assert report["avg"]["equivalent"] is None


@pytest.mark.parametrize("n,m,target", [(0, 3, "pytorch"), ((5, 3), 3, "pytorch"),
                                        (5, 3, "caffe"), (2**62 + 1, 3, "pytorch"),
                                        (5, -2, "onnx")])
def test_bad_sizes_and_targets_give_the_cli_message(prove_equivalence_program, n, m, target):
    status, _, stderr = cli(prove_equivalence_program, size_text(n), size_text(m),
                            "--target", target)
    assert status == 2 and stderr.startswith("prove_equivalence: ")
    with pytest.raises(ValueError) as caught:
        poolproof.prove_equivalence(n, m, target)
    assert str(caught.value) == stderr.removeprefix("prove_equivalence: ").strip()


@pytest.mark.parametrize("options,error,message", [
    ({"timeout_ms": 0}, ValueError, r"timeout_ms must be in \[1, 3600000\], got 0"),
    ({"resource_limit": 2**33}, ValueError, r"resource_limit must be in \[1, 4000000000\]"),
    ({"memory_mb": 8}, ValueError, r"memory_mb must be in \[16, 1048576\], got 8"),
    ({"kind": "sum"}, ValueError, "kind must be 'avg', 'max' or None, got 'sum'"),
    ({"n": 5.0}, TypeError, "input size must be an int or a sequence of ints, not float"),
])
def test_bad_options(options, error, message):
    arguments = {"n": 5, "m": 3, **options}
    with pytest.raises(error, match=message):
        poolproof.prove_equivalence(**arguments)
