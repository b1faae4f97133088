"""dicom (dcm files) and nifti (nii / nii.gz files) htypes."""

from deeplake.htypes._compressions import DICOM_ONLY, NIFTI_ONLY
from deeplake.htypes.base import COMPRESSION_SAMPLE_REQUIRED, HtypeSpec
from deeplake.htypes.generic import coerce_numeric

DICOM = HtypeSpec(
    name="dicom",
    default_dtype=None,
    coerce=coerce_numeric,
    allowed_compressions=DICOM_ONLY,
    default_sample_compression="dcm",
    has_sample_info=True,
)

NIFTI = HtypeSpec(
    name="nifti",
    default_dtype=None,
    coerce=coerce_numeric,
    compression_rule=COMPRESSION_SAMPLE_REQUIRED,
    allowed_compressions=NIFTI_ONLY,
    has_sample_info=True,
)

SPECS = (DICOM, NIFTI)
