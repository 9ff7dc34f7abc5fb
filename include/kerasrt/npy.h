// NumPy .npy files, for the command line and tests: read any float/int array as float32 and
// any text array as strings; write float32 or text.
#pragma once

#include <span>
#include <string>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

// Reads a .npy file (format 1.0-3.0; little- or big-endian float16/32/64, int8-64, uint8-64,
// bool; C or Fortran order) as a float32 tensor, or a text array (unicode `<U`, bytes `|S`) as a
// string tensor (UTF-8). Throws Error naming the file.
Tensor read_npy(const std::string& path);
Tensor parse_npy(std::span<const std::byte> bytes);

// Writes a float32 .npy (format 1.0, little-endian, C order), or a unicode `<U` one for a string
// tensor.
void write_npy(const std::string& path, const Tensor& tensor);
std::string encode_npy(const Tensor& tensor);

}  // namespace kerasrt
