// The HDF5 C library (Debian's libhdf5-dev, serial build, found through pkg-config `hdf5`).
// HDF5 spells its constants as macros that call H5open() (H5T_NATIVE_FLOAT, H5F_ACC_TRUNC, …),
// which Swift cannot import; these inline functions return them.
#include <hdf5.h>

static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_all(void) { return H5S_ALL; }
static inline hid_t chdf5_error_stack(void) { return H5E_DEFAULT; }
static inline unsigned chdf5_create_truncate(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_create_exclusive(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_read_only(void) { return H5F_ACC_RDONLY; }
static inline hid_t chdf5_dataset_create_class(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_c_string(void) { return H5T_C_S1; }
static inline size_t chdf5_variable_size(void) { return H5T_VARIABLE; }
static inline hsize_t chdf5_unlimited(void) { return H5S_UNLIMITED; }

/// 1 when `name` in `location` is a hard link (an object stored in this file), 0 when it is a soft,
/// external or user-defined link (which could lead to another file), -1 on error (no such link).
static inline int chdf5_is_hard_link(hid_t location, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(location, name, &info, H5P_DEFAULT) < 0) return -1;
    return info.type == H5L_TYPE_HARD ? 1 : 0;
}
