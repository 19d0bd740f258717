#ifndef HOTLINE_SYSTEM_H
#define HOTLINE_SYSTEM_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (ENOSYS/EINVAL where unsupported).
int hotline_exchange_paths(const char *a, const char *b);

#endif
