"""Every exception deeplake raises, in one hierarchy rooted at DeepLakeError.

Class names are the documented 3.8 names (``deeplake.util.exceptions``
re-exports this module). Each class also derives from the builtin it behaves
like, so ``except KeyError`` and ``except TensorDoesNotExistError`` both work.
"""


class DeepLakeError(Exception):
    """Root of every deeplake error. The first argument is the message."""

    def __str__(self):
        # KeyError would quote its message; every deeplake error reads plainly.
        if len(self.args) == 1:
            return str(self.args[0])
        return Exception.__str__(self)


class CompressionError(DeepLakeError, ValueError):
    pass


class ExternalCommandError(DeepLakeError, RuntimeError):
    pass


class KaggleError(DeepLakeError, RuntimeError):
    pass


class KaggleMissingCredentialsError(KaggleError):
    pass


class KaggleDatasetAlreadyDownloadedError(KaggleError):
    pass


class InvalidPathException(DeepLakeError, ValueError):
    pass


class IncorrectEmbeddingShapeError(DeepLakeError, ValueError):
    """An embedding function returned vectors of different lengths (or none)."""


class IngestionError(DeepLakeError, ValueError):
    """Source data for an ingest_* function that cannot be read as its format."""


class AutoCompressionError(DeepLakeError, ValueError):
    pass


class InvalidFileExtension(DeepLakeError, ValueError):
    pass


class SamePathException(DeepLakeError, ValueError):
    pass


class TensorInvalidSampleShapeError(DeepLakeError, ValueError):
    pass


class TensorMetaMissingKey(DeepLakeError, KeyError):
    pass


class TensorDoesNotExistError(DeepLakeError, KeyError, AttributeError):
    pass


class TensorAlreadyExistsError(DeepLakeError, ValueError):
    pass


class TensorGroupDoesNotExistError(DeepLakeError, KeyError):
    pass


class TensorGroupAlreadyExistsError(DeepLakeError, ValueError):
    pass


class InvalidTensorNameError(DeepLakeError, ValueError):
    pass


class InvalidTensorGroupNameError(DeepLakeError, ValueError):
    pass


class DynamicTensorNumpyError(DeepLakeError, ValueError):
    pass


class InvalidShapeIntervalError(DeepLakeError, ValueError):
    pass


class InvalidKeyTypeError(DeepLakeError, TypeError):
    pass


class UnsupportedTensorTypeError(DeepLakeError, TypeError):
    pass


class InvalidBytesRequestedError(DeepLakeError, ValueError):
    pass


class ProviderListEmptyError(DeepLakeError, ValueError):
    pass


class DirectoryAtPathException(DeepLakeError, FileExistsError):
    pass


class FileAtPathException(DeepLakeError, FileExistsError):
    pass


class ProviderSizeListMismatch(DeepLakeError, ValueError):
    pass


class ModuleNotInstalledException(DeepLakeError, ImportError):
    pass


class LoginException(DeepLakeError, RuntimeError):
    pass


class UserNotLoggedInException(DeepLakeError, RuntimeError):
    pass


class InvalidHubPathException(DeepLakeError, ValueError):
    pass


class PathNotEmptyException(DeepLakeError, ValueError):
    pass


class AuthenticationException(DeepLakeError, RuntimeError):
    pass


class AuthorizationException(DeepLakeError, PermissionError):
    pass


class InvalidPasswordException(AuthorizationException):
    pass


class CouldNotCreateNewDatasetException(AuthorizationException):
    pass


class ResourceNotFoundException(DeepLakeError, LookupError):
    pass


class BadRequestException(DeepLakeError, RuntimeError):
    pass


class OverLimitException(DeepLakeError, RuntimeError):
    pass


class ServerException(DeepLakeError, RuntimeError):
    pass


class BadGatewayException(DeepLakeError, RuntimeError):
    pass


class GatewayTimeoutException(DeepLakeError, TimeoutError):
    pass


class WaitTimeoutException(DeepLakeError, TimeoutError):
    pass


class LockedException(DeepLakeError, RuntimeError):
    pass


class UnexpectedStatusCodeException(DeepLakeError, RuntimeError):
    pass


class EmptyTokenException(DeepLakeError, ValueError):
    pass


class S3Error(DeepLakeError, OSError):
    pass


class S3GetError(S3Error):
    pass


class S3SetError(S3Error):
    pass


class S3DeletionError(S3Error):
    pass


class S3ListError(S3Error):
    pass


class UnsupportedCompressionError(CompressionError):
    pass


class SampleCompressionError(CompressionError):
    pass


class SampleDecompressionError(CompressionError):
    pass


class InvalidImageDimensions(DeepLakeError, ValueError):
    pass


class TensorUnsupportedSampleType(DeepLakeError, TypeError):
    pass


class MetaError(DeepLakeError, ValueError):
    pass


class MetaDoesNotExistError(MetaError):
    pass


class MetaAlreadyExistsError(MetaError):
    pass


class MetaInvalidKey(MetaError):
    pass


class MetaInvalidRequiredMetaKey(MetaError):
    pass


class TensorMetaInvalidHtype(MetaError):
    pass


class TensorMetaInvalidHtypeOverwriteValue(MetaError):
    pass


class TensorMetaMissingRequiredValue(MetaError):
    pass


class TensorMetaInvalidHtypeOverwriteKey(MetaError):
    pass


class TensorDtypeMismatchError(MetaError):
    pass


class InvalidTensorLinkError(MetaError):
    pass


class TensorMetaMutuallyExclusiveKeysError(MetaError):
    pass


class ReadOnlyModeError(DeepLakeError, PermissionError):
    pass


class TransformError(DeepLakeError, RuntimeError):
    """A transform failed; ``index`` is the input sample it failed on."""

    def __init__(self, index=None, sample=None, samples_processed: int = 0, suggest: bool = False,
                 *, message: str = ""):
        self.index = index
        self.sample = sample
        self.samples_processed = samples_processed
        self.suggest = suggest
        if not message:
            message = "Transform failed" + (f" at index {index} of the input data." if index is not None else ".")
        super().__init__(message)

    def __reduce__(self):  # survive the trip back from worker processes
        return (_rebuild_transform_error,
                (self.index, self.sample, self.samples_processed, self.suggest, str(self)))


def _rebuild_transform_error(index, sample, samples_processed, suggest, message):
    return TransformError(index, sample, samples_processed, suggest, message=message)


class FilterError(DeepLakeError, RuntimeError):
    pass


class InvalidInputDataError(TransformError):
    pass


class UnsupportedSchedulerError(TransformError):
    pass


class TensorMismatchError(TransformError):
    pass


class InvalidOutputDatasetError(TransformError):
    pass


class HubComposeEmptyListError(TransformError):
    pass


class HubComposeIncompatibleFunction(TransformError):
    pass


class DatasetUnsupportedPytorch(DeepLakeError, RuntimeError):
    pass


class CorruptedMetaError(DeepLakeError, RuntimeError):
    pass


class ChunkEngineError(DeepLakeError, RuntimeError):
    pass


class FullChunkError(ChunkEngineError):
    pass


class ChunkIdEncoderError(ChunkEngineError):
    pass


class ChunkSizeTooSmallError(ChunkEngineError):
    pass


class DatasetHandlerError(DeepLakeError, RuntimeError):
    pass


class MemoryDatasetCanNotBePickledError(DeepLakeError, RuntimeError):
    pass


class CorruptedSampleError(DeepLakeError, ValueError):
    pass


class VersionControlError(DeepLakeError, RuntimeError):
    pass


class MergeError(DeepLakeError, RuntimeError):
    pass


class MergeNotSupportedError(MergeError):
    pass


class MergeMismatchError(MergeError):
    pass


class MergeConflictError(MergeError):
    pass


class CheckoutError(VersionControlError):
    pass


class CommitError(VersionControlError):
    pass


class EmptyCommitError(CommitError):
    pass


class TensorModifiedError(DeepLakeError, RuntimeError):
    pass


class GCSDefaultCredsNotFound(DeepLakeError, RuntimeError):
    pass


class InvalidOperationError(DeepLakeError, RuntimeError):
    pass


class AgreementError(DeepLakeError, RuntimeError):
    pass


class AgreementNotAcceptedError(AgreementError):
    pass


class RenameError(DeepLakeError, ValueError):
    pass


class BufferError(DeepLakeError, RuntimeError):
    pass


class InfoError(DeepLakeError, ValueError):
    pass


class OutOfChunkCountError(DeepLakeError, RuntimeError):
    pass


class OutOfSampleCountError(DeepLakeError, RuntimeError):
    pass


class SampleHtypeMismatchError(DeepLakeError, TypeError):
    pass


class EmptyTensorError(DeepLakeError, ValueError):
    pass


class DatasetViewSavingError(DeepLakeError, RuntimeError):
    pass


class ManagedCredentialsNotFoundError(DeepLakeError, KeyError):
    pass


class UnableToReadFromUrlError(DeepLakeError, OSError):
    pass


class InvalidTokenException(DeepLakeError, ValueError):
    pass


class DatasetCorruptError(DeepLakeError, RuntimeError):
    pass


class SampleAppendError(DeepLakeError, ValueError):
    pass


class SampleExtendError(DeepLakeError, ValueError):
    pass


class SampleUpdateError(DeepLakeError, ValueError):
    pass


class SampleReadError(DeepLakeError, ValueError):
    pass


class ReadSampleFromChunkError(DeepLakeError, ValueError):
    pass


class InvalidViewException(DeepLakeError, RuntimeError):
    pass


class DatasetTooLargeToDelete(DeepLakeError, RuntimeError):
    pass


class TensorTooLargeToDelete(DeepLakeError, RuntimeError):
    pass


class BadLinkError(DeepLakeError, ValueError):
    pass


class GroupInfoNotSupportedError(DeepLakeError, TypeError):
    pass


class MissingCredsError(DeepLakeError, KeyError):
    """A link's creds key was never added to the dataset."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidSourcePathError(DeepLakeError, ValueError):
    pass


class InvalidDestinationPathError(DeepLakeError, ValueError):
    pass


class UnsupportedParameterException(DeepLakeError, ValueError):
    pass


class DatasetNotFoundError(DatasetHandlerError, FileNotFoundError):
    pass


class CloudServiceUnavailableError(DeepLakeError, RuntimeError):
    pass


class InvalidQueryError(DeepLakeError, ValueError):
    pass


class InvalidTransformDataset(TransformError):
    pass


class TokenPermissionError(DeepLakeError, PermissionError):
    pass


class SampleAppendingError(DeepLakeError, ValueError):
    pass


class TensorNotProvidedError(DeepLakeError, KeyError):
    pass
