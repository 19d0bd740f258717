#ifndef HOTLINE_SYSTEM_H
#define HOTLINE_SYSTEM_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (ENOSYS/EINVAL where unsupported).
int hotline_exchange_paths(const char *a, const char *b);

#endif

#ifndef HOTLINE_SYSTEM_TRIM
#define HOTLINE_SYSTEM_TRIM
/// Returns freed heap memory to the system (glibc malloc_trim), so one process running every
/// stage in turn holds no more than its largest stage. A no-op elsewhere.
void hotline_release_free_memory(void);
#endif
