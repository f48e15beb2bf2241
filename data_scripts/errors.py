"""What can go wrong while getting data; every message says what to do next."""

RETRY_HINT = ("Run the same command again to retry (a damaged or wrong download is deleted, "
              "never kept), or try another mirror first with "
              "`python -m data_scripts fetch NAME --mirror URL`.")

OFFLINE_HINT = ("To work offline, copy the dataset's standard files into a folder and use "
                "`python -m data_scripts fetch NAME --from FOLDER` (or set SCRATCHNN_DATA_FROM); "
                "the bundled mini MNIST (`scratchnn.data.load_mnist(source='bundled')`) "
                "needs nothing.")


class DataError(Exception):
    """Base class: getting or reading a dataset failed."""


class DownloadError(DataError):
    """No mirror delivered a file (each one's failure is listed)."""


class ChecksumError(DataError):
    """A payload did not match its published checksum."""


class FormatError(DataError):
    """A file is not in the format it claims (IDX header, CIFAR batch keys...)."""


class CacheError(DataError):
    """A cache file is unreadable, incomplete, or from another version."""
