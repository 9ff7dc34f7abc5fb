// Loading writes a model's weights into freshly allocated memory several times over (the file's
// bytes, each weight array, the re-laid-out kernels). Faulting that memory in 4 KiB pages, one
// page fault each, costs as much as the copies themselves (perf: a third of ResNet50's load).
// For large buffers we ask the kernel for transparent huge pages and fault the whole range in
// one call instead.
#pragma once

#include <cstddef>
#include <vector>

namespace kerasrt {

// Advises huge pages for, and pre-faults for writing, the whole 2 MiB pages inside
// [data, data + bytes) when the range is large; a hint only: nothing happens when the kernel
// lacks the calls or refuses them, and the memory's contents are unchanged.
void prepare_large_buffer(void* data, size_t bytes);

// Reserves room for `count` elements in an empty vector and prepares it as above.
template <class T>
void reserve_large(std::vector<T>& v, size_t count) {
  v.reserve(count);
  prepare_large_buffer(v.data(), v.capacity() * sizeof(T));
}

}  // namespace kerasrt
