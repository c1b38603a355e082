"""poolproof.torch.replace_adaptive_pooling: a VGG-like model at a 300x300 input (its 7x7 pool fed
9x9 features, which torch.onnx.export refuses) exported to ONNX with the exact replacements and
run in ONNX Runtime (onnxruntime-node, as the `engine` tests run it) against torch; each
replacement against golden's bounds; the refusals."""
import json
import subprocess

import numpy
import onnx
import pytest
import torch

import poolproof
import poolproof.torch as ppt
from poolproof.testing import assert_adaptive_pool_close

ADAPTIVE = tuple(ppt._ADAPTIVE_LAYERS)


def vgg_like():
    """VGG's shape in miniature: five conv + max-pool stages (300 -> 9), a 7x7 adaptive average
    pool, a classifier; a second head pools the features to a 5-long adaptive max over rows."""
    torch.manual_seed(0)
    stages = []
    channels = 3
    for width in (8, 8, 16, 16, 16):
        stages += [torch.nn.Conv2d(channels, width, 3, padding=1), torch.nn.ReLU(),
                   torch.nn.MaxPool2d(2)]
        channels = width
    features = torch.nn.Sequential(*stages)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.avgpool = torch.nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16 * 49, 10))
            self.rows = torch.nn.AdaptiveMaxPool1d(5)

        def forward(self, x):
            f = self.features(x)
            return torch.cat([self.classifier(self.avgpool(f)), self.rows(f.flatten(2)).flatten(1)],
                             1)

    return Model().eval()


def run_onnxruntime(source_dir, model_path, x, tmp_path):
    """The model's first output for x, computed by ONNX Runtime through node."""
    x = x.detach().numpy().astype("<f4")
    (tmp_path / "input.bin").write_bytes(x.tobytes())
    runner = source_dir / "tests" / "runtimes" / "run_onnx_model.mjs"
    shape = subprocess.run(
        ["node", str(runner), str(model_path), str(tmp_path / "input.bin"),
         str(tmp_path / "output.bin"), ",".join(map(str, x.shape))],
        check=True, capture_output=True, text=True).stdout
    return numpy.fromfile(tmp_path / "output.bin", dtype="<f4").reshape(json.loads(shape))


@pytest.fixture(scope="module")
def image():
    return torch.randn(1, 3, 300, 300, generator=torch.Generator().manual_seed(1))


def test_vgg_like_model_exports_with_the_replacements_and_onnxruntime_agrees(
        source_dir, image, tmp_path):
    model = vgg_like()
    with pytest.raises(Exception, match="not factor of input size"):
        torch.onnx.export(model, image, str(tmp_path / "refused.onnx"), opset_version=17)
    with torch.no_grad():
        expected = model(image)
    replaced = ppt.replace_adaptive_pooling(model, image)
    assert not [m for m in replaced.modules() if isinstance(m, ADAPTIVE)]
    assert type(replaced.avgpool).__name__ == "AdaptiveAvgPool2dExact"
    assert type(replaced.rows).__name__ == "AdaptiveMaxPool1dExact"
    with torch.no_grad():
        assert torch.allclose(replaced(image), expected, rtol=1e-5, atol=1e-6)
    path = tmp_path / "vgg_like.onnx"
    torch.onnx.export(replaced, image, str(path), opset_version=17)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    got = run_onnxruntime(source_dir, path, image, tmp_path)
    assert got.shape == tuple(expected.shape)
    numpy.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-6)


def test_onnxruntime_comparison_catches_a_naive_fixed_pool(source_dir, image, tmp_path):
    # The usual hand conversion (stride n // m, kernel n - (m-1)*stride) runs but differs.
    model = vgg_like()
    with torch.no_grad():
        expected = model(image)
    model.avgpool = torch.nn.AvgPool2d(kernel_size=3, stride=1)
    model.rows = torch.nn.MaxPool1d(kernel_size=81 - 4 * 16, stride=16)
    path = tmp_path / "naive.onnx"
    torch.onnx.export(model, image, str(path), opset_version=17)
    got = run_onnxruntime(source_dir, path, image, tmp_path)
    assert got.shape == tuple(expected.shape)
    assert not numpy.allclose(got, expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer, shape", [
    (torch.nn.AdaptiveAvgPool1d(7), (2, 3, 10)),
    (torch.nn.AdaptiveMaxPool1d(4), (3, 9)),
    (torch.nn.AdaptiveAvgPool2d((5, None)), (1, 2, 13, 6)),
    (torch.nn.AdaptiveMaxPool2d((3, 7)), (1, 2, 8, 9)),
    (torch.nn.AdaptiveAvgPool3d((2, 3, 4)), (1, 1, 5, 7, 9)),
    (torch.nn.AdaptiveMaxPool3d(2), (2, 1, 3, 5, 4)),
])
def test_each_replacement_is_the_adaptive_pooling(layer, shape):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
    replacement = ppt.replace_adaptive_pooling(layer, x)
    assert type(replacement).__name__.endswith("Exact")
    with torch.no_grad():
        got, want = replacement(x), layer(x)
    assert got.shape == want.shape
    if isinstance(layer, torch.nn.modules.pooling._AdaptiveMaxPoolNd):
        assert torch.equal(got, want)
    else:
        assert_adaptive_pool_close(got, x, tuple(want.shape[2 - len(shape):]))
    with pytest.raises(ValueError, match="expected spatial sizes"):
        replacement(torch.randn(*shape[:-1], shape[-1] + 1))


def test_layers_the_example_does_not_reach_stay():
    model = torch.nn.ModuleDict({"used": torch.nn.AdaptiveAvgPool1d(3),
                                 "unused": torch.nn.AdaptiveMaxPool1d(3)})
    model.forward = lambda x: model["used"](x)
    ppt.replace_adaptive_pooling(model, torch.ones(1, 1, 8))
    assert type(model["used"]).__name__ == "AdaptiveAvgPool1dExact"
    assert isinstance(model["unused"], torch.nn.AdaptiveMaxPool1d)


def test_refusals():
    with pytest.raises(ValueError, match="returns indices"):
        ppt.replace_adaptive_pooling(torch.nn.Sequential(
            torch.nn.AdaptiveMaxPool1d(3, return_indices=True)), torch.ones(1, 1, 8))
    shared = torch.nn.AdaptiveAvgPool1d(3)
    model = torch.nn.ModuleList([shared])
    model.forward = lambda x: shared(x) + shared(torch.cat([x, x], -1)).sum()
    with pytest.raises(ValueError, match="two input sizes"):
        ppt.replace_adaptive_pooling(model, torch.ones(1, 1, 8))
    with pytest.raises(ValueError, match="output size must be at least 1"):
        ppt.exact_replacement("avg", (5,), (0,))
    with pytest.raises(ValueError, match="kind must be 'avg' or 'max'"):
        ppt.exact_replacement("mean", (5,), (3,))
    assert poolproof.torch is ppt


def test_sizing_changes_nothing_and_shared_layers_share_one_replacement():
    shared = torch.nn.AdaptiveAvgPool1d(3)

    class TwoArguments(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.BatchNorm1d(2)
            self.first, self.second = shared, shared

        def forward(self, x, scale):
            return self.second(self.first(self.norm(x)) * scale)

    model = TwoArguments()
    x = torch.randn(4, 2, 9, generator=torch.Generator().manual_seed(3))
    with pytest.raises(ValueError, match="two input sizes"):
        ppt.replace_adaptive_pooling(model, (x, 2.0))
    model.second = torch.nn.AdaptiveMaxPool1d(3)
    model.third = shared
    statistics = model.norm.running_mean.clone()
    ppt.replace_adaptive_pooling(model, (x, 2.0))
    assert model.training and model.norm.training
    assert torch.equal(model.norm.running_mean, statistics)
    assert model.first is model.third and type(model.first).__name__ == "AdaptiveAvgPool1dExact"
    assert type(model.second).__name__ == "AdaptiveMaxPool1dExact"
    assert all(buffer.device == x.device for buffer in model.second.buffers())
