/* The errno values the hypervisor returns (as -E...), with Linux's numbers. */
#ifndef HYP_LIB_ERRNO_H
#define HYP_LIB_ERRNO_H

#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EIO     5
#define E2BIG   7
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOTSUP 95

#endif
