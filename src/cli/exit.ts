/**
 * Exit codes (SPEC.md): 0 verified / command succeeded, 1 verification failed (policy said
 * no), 2 usage, configuration or system error.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_ERROR = 2;
