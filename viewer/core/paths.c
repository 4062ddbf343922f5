/*
 * paths.c — the tree's and the build's location (paths.h).
 */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* The directory holding this executable, or "" when unknown. */
static void exe_dir(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        buf[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        buf[0] = '\0';
}

static const char *env_set(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/* PREFIX when this binary is PREFIX/bin/forklab of an installed copy. */
static bool install_prefix(char *prefix, size_t cap)
{
    char dir[PATH_MAX], probe[PATH_MAX + 32];
    exe_dir(dir, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (!dir[0] || !slash || slash == dir) return false;
    *slash = '\0';
    struct stat st;
    snprintf(probe, sizeof probe, "%s/share/forklab/lessons", dir);
    if (stat(probe, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    copy(prefix, cap, dir);
    return true;
}

bool forklab_installed(void)
{
    char prefix[PATH_MAX];
    return install_prefix(prefix, sizeof prefix);
}

const char *forklab_home(void)
{
    static char home[PATH_MAX];
    const char *env = env_set("FORKLAB_HOME");
    if (env) {
        copy(home, sizeof home, env);
        return home;
    }
    char dir[PATH_MAX];
    if (install_prefix(dir, sizeof dir)) {
        snprintf(home, sizeof home, "%.*s/share/forklab", PATH_MAX - 20, dir);
        return home;
    }
    exe_dir(dir, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (dir[0] && slash && slash != dir) {
        /* build/forklab -> the tree above build/ */
        *slash = '\0';
        char probe[PATH_MAX + 16];
        struct stat st;
        snprintf(probe, sizeof probe, "%s/lessons", dir);
        if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
            copy(home, sizeof home, dir);
            return home;
        }
    }
    copy(home, sizeof home, ".");
    return home;
}

const char *forklab_build_dir(void)
{
    static char build[PATH_MAX];
    const char *env = env_set("FORKLAB_BUILD");
    if (env) {
        copy(build, sizeof build, env);
        return build;
    }
    char prefix[PATH_MAX];
    if (install_prefix(prefix, sizeof prefix)) {
        snprintf(build, sizeof build, "%.*s/libexec/forklab", PATH_MAX - 20, prefix);
        return build;
    }
    exe_dir(build, sizeof build);
    if (!build[0]) copy(build, sizeof build, ".");
    return build;
}
