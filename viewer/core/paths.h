/*
 * paths.h — where forklab's tree and its built programs are: the one place
 * that decides (paths.c), for the lessons, the runner and the grader.
 *
 * The tree (lessons/, exercises/, tests/exercises/grade.sh): $FORKLAB_HOME;
 * else the directory above the running binary's when it holds lessons/
 * (build/forklab in a checkout); else the current directory. (The grader
 * used to read $FORKLAB_ROOT, with other fallbacks: one variable now.)
 * The built programs: $FORKLAB_BUILD, else the running binary's directory.
 */
#ifndef FORKLAB_PATHS_H
#define FORKLAB_PATHS_H

#include <stdbool.h>

/* Static strings, computed on each call (the environment may change in
 * tests). */
const char *forklab_home(void);
const char *forklab_build_dir(void);
/* Running as an installed copy: PREFIX/bin/forklab beside
 * PREFIX/share/forklab/lessons; then the tree is PREFIX/share/forklab and
 * the built programs PREFIX/libexec/forklab (make install puts them there). */
bool forklab_installed(void);

#endif
