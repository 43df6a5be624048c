// The C target needs one source file; all of it is in include/CLinuxSystem.h.
