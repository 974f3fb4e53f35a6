// libxcrypt (Debian's libcrypt-dev): crypt_rn verifies bcrypt ($2a$, $2b$, $2y$) password hashes.
#include <crypt.h>
