// KERASRT_THREAD_SANITIZER: defined in a ThreadSanitizer build (GCC and clang spell it
// differently), where code that synchronises inside uninstrumented libraries (libgomp, libdnnl)
// must make that order visible to TSan.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define KERASRT_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KERASRT_THREAD_SANITIZER 1
#endif
#endif
