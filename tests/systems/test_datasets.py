"""Bundled digits and the MNIST IDX reader, against independently built references."""

import gzip
import struct

import numpy as np
import pytest
from sklearn import datasets as skd

from thermoinfo.systems import datasets
from thermoinfo.systems.datasets import _parse_idx, load_digits, load_mnist_idx
from thermoinfo.testing import raises_named


@pytest.fixture(scope="module")
def sk_digits():
    return skd.load_digits()


def test_digits_binary_units(sk_digits):
    X, y = load_digits(return_labels=True)
    assert X.shape == (1797, 64) and X.dtype == np.int8
    np.testing.assert_array_equal(X, (sk_digits.data > 8).astype(np.int8))  # 8/16 = 0.5
    np.testing.assert_array_equal(y, sk_digits.target)
    assert y.dtype == np.int64
    # the UCI digits: 1797 images, 174 to 183 of each class
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_digits_spin_units_and_threshold(sk_digits):
    S = load_digits(units="spin", threshold=0.25)
    assert S.dtype == np.int8
    assert set(np.unique(S).tolist()) == {-1, 1}
    np.testing.assert_array_equal(S, np.where(sk_digits.data / 16 > 0.25, 1, -1))
    # a higher threshold turns pixels off, never on
    lo, hi = load_digits(threshold=0.2), load_digits(threshold=0.8)
    assert np.all(hi <= lo) and hi.sum() < lo.sum()


def test_digits_unbinarized(sk_digits):
    X = load_digits(binarize=False)
    assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X, sk_digits.data / 16.0)
    assert isinstance(load_digits(), np.ndarray)


def write_idx(path, array, *, compress=False, type_byte=0x08, extra=b""):
    """An IDX file written with struct, independently of the reader."""
    array = np.asarray(array)
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[type_byte]
    payload = struct.pack(">BBBB", 0, 0, type_byte, array.ndim)
    payload += b"".join(struct.pack(">I", n) for n in array.shape)
    payload += array.astype(dtype).tobytes() + extra
    if compress:
        payload = gzip.compress(payload)
    path.write_bytes(payload)
    return path


@pytest.fixture
def mnist_like(tmp_path):
    rng = np.random.default_rng(1234)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    images[0, 0, :4] = [127, 128, 0, 255]  # around the 0.5 threshold: 127/255 < 0.5 < 128/255
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    return images, labels, tmp_path


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_idx_roundtrip(mnist_like, compress):
    images, labels, tmp = mnist_like
    suffix = ".gz" if compress else ""
    ip = write_idx(tmp / f"images-idx3-ubyte{suffix}", images, compress=compress)
    lp = write_idx(tmp / f"labels-idx1-ubyte{suffix}", labels, compress=compress)
    X, y = load_mnist_idx(ip, lp)
    assert X.shape == (5, 784) and X.dtype == np.int8
    np.testing.assert_array_equal(X, (images.reshape(5, -1) > 127).astype(np.int8))
    assert X[0, :4].tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(y, [3, 1, 4, 1, 5])
    assert y.dtype == np.int64
    F = load_mnist_idx(str(ip), binarize=False)
    assert F.dtype == np.float64
    np.testing.assert_array_equal(F, images.reshape(5, -1) / 255.0)
    S = load_mnist_idx(ip, units="spin", threshold=0.9)
    np.testing.assert_array_equal(S, np.where(images.reshape(5, -1) / 255.0 > 0.9, 1, -1))


def test_idx_parser_decodes_big_endian_types(tmp_path):
    a = np.array([[1, -2, 300], [-32768, 32767, 0]], dtype=np.int16)
    raw = write_idx(tmp_path / "a.idx", a, type_byte=0x0B).read_bytes()
    out = _parse_idx(raw, "images_path", tmp_path / "a.idx")
    np.testing.assert_array_equal(out, a)
    assert out.dtype == np.int16
    f = np.array([0.5, -1.25, 3.0])
    out = _parse_idx(write_idx(tmp_path / "f.idx", f, type_byte=0x0D).read_bytes(), "x", "f.idx")
    np.testing.assert_array_equal(out, f)


def test_mnist_idx_bad_files(mnist_like):
    images, labels, tmp = mnist_like
    ip = write_idx(tmp / "images", images)
    lp = write_idx(tmp / "labels", labels)
    with pytest.raises(FileNotFoundError, match=r"images_path.*never downloads"):
        load_mnist_idx(tmp / "missing")
    with raises_named(TypeError, "images_path"):
        load_mnist_idx(12)
    (tmp / "text").write_bytes(b"P5\n28 28\n255\n" + bytes(10))
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(tmp / "text")
    assert "is not an IDX file" in str(check.value)
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(lp)
    assert "must hold unsigned-byte images" in str(check.value)
    with raises_named(ValueError, "labels_path") as check:
        load_mnist_idx(ip, ip)
    assert "must hold unsigned-byte labels" in str(check.value)
    with raises_named(ValueError, "labels_path") as check:
        load_mnist_idx(ip, write_idx(tmp / "short", labels[:4]))
    assert "has 4 labels but images_path has 5" in str(check.value)
    (tmp / "truncated").write_bytes(ip.read_bytes()[:-7])
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(tmp / "truncated")
    assert "truncated or corrupt" in str(check.value)
    with raises_named(ValueError, "labels_path") as check:
        load_mnist_idx(ip, write_idx(tmp / "long", labels, extra=b"\x00"))
    assert "truncated or corrupt" in str(check.value)
    (tmp / "header").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(tmp / "header")
    assert "truncated inside its header" in str(check.value)
    (tmp / "badtype").write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 0]))
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(tmp / "badtype")
    assert "unknown IDX data type 0x07" in str(check.value)
    (tmp / "bad.gz").write_bytes(gzip.compress(ip.read_bytes())[:40])
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(tmp / "bad.gz")
    assert "corrupt or truncated gzip" in str(check.value)
    with raises_named(ValueError, "images_path") as check:
        load_mnist_idx(write_idx(tmp / "float", images.astype(float), type_byte=0x0D))
    assert "must hold" in str(check.value)


@pytest.mark.parametrize("loader", ["digits", "mnist"])
def test_bad_options_name_the_argument(loader, mnist_like):
    images, _, tmp = mnist_like
    ip = write_idx(tmp / "images", images)

    def call(**kw):
        return load_digits(**kw) if loader == "digits" else load_mnist_idx(ip, **kw)

    for bad in (0.0, 1.0, -0.1, 1.5, float("nan")):
        with raises_named(ValueError, "threshold"):
            call(threshold=bad)
    with raises_named(TypeError, "threshold"):
        call(threshold="0.5")
    with raises_named(ValueError, "units"):
        call(units="ising")
    with raises_named(ValueError, "units") as check:
        call(units="spin", binarize=False)
    assert "units='spin' needs binarize=True" in str(check.value)
    with raises_named(TypeError, "binarize"):
        call(binarize="yes")


def test_public_names():
    assert set(datasets.__all__) == {"load_digits", "load_mnist_idx"}
