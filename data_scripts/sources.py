"""What each dataset is made of: its files, their checksums and where to get them.

Checksums are md5s of the *decompressed* payloads, so a mirror that recompresses
a file (as ../shared/datasets/mnist does) still verifies.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileSpec:
    name: str                 # payload file name, e.g. "train-images-idx3-ubyte"
    md5: str                  # md5 of the decompressed payload
    role: str                 # "x_train", "y_train", "x_test", "y_test", "meta" or "batch"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: str                 # "idx" (four gzipped IDX files) or "cifar" (one tar.gz)
    files: tuple
    mirrors: tuple            # base URLs, tried in order
    classes: tuple
    archive: str = ""         # for "cifar": the archive's file name
    label_counts: dict = field(default_factory=dict)  # role -> counts per class, if known


MNIST = DatasetSpec(
    name="mnist", kind="idx",
    files=(FileSpec("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb", "x_train"),
           FileSpec("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624", "y_train"),
           FileSpec("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea", "x_test"),
           FileSpec("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637", "y_test")),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
             "http://yann.lecun.com/exdb/mnist/"),
    classes=tuple(str(i) for i in range(10)),
    label_counts={"y_train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
                  "y_test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)},
)

FASHION_MNIST = DatasetSpec(
    name="fashion_mnist", kind="idx",
    files=(FileSpec("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a", "x_train"),
           FileSpec("train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9", "y_train"),
           FileSpec("t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a", "x_test"),
           FileSpec("t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965", "y_test")),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    label_counts={"y_train": (6000,) * 10, "y_test": (1000,) * 10},
)

CIFAR10 = DatasetSpec(
    name="cifar10", kind="cifar",
    files=(FileSpec("data_batch_1", "c99cafc152244af753f735de768cd75f", "batch"),
           FileSpec("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec", "batch"),
           FileSpec("data_batch_3", "54ebc095f3ab1f0389bbae665268c751", "batch"),
           FileSpec("data_batch_4", "634d18415352ddfa80567beed471001a", "batch"),
           FileSpec("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb", "batch"),
           FileSpec("test_batch", "40351d587109b95175f43aff81a1287e", "test"),
           FileSpec("batches.meta", "5ff9c542aee3614f3951f8cda6e48888", "meta")),
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    archive="cifar-10-python.tar.gz",
    classes=("airplane", "automobile", "bird", "cat", "deer",
             "dog", "frog", "horse", "ship", "truck"),
    label_counts={"y_train": (5000,) * 10, "y_test": (1000,) * 10},
)

DATASETS = {spec.name: spec for spec in (MNIST, FASHION_MNIST, CIFAR10)}


def get_spec(name):
    """The spec of a dataset by name (a :class:`DatasetSpec` passes through)."""
    if isinstance(name, DatasetSpec):
        return name
    try:
        return DATASETS[name.replace("-", "_").lower()]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(DATASETS)}") from None
