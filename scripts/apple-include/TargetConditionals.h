/* The few macros of Apple's <TargetConditionals.h> that ring's C reads, for checking the
 * macOS build without Apple's SDK (scripts/apple-cc.sh). Only macOS is described. */
#ifndef RCMD_TARGET_CONDITIONALS_H
#define RCMD_TARGET_CONDITIONALS_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#endif
