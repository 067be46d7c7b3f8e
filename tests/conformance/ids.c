/* uname, user and group ids, getpid/getppid/gettid: relations only
 * (the host's names and ids are not cellux's). */
#include "conf.h"
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	SHOW("uname", uname(&u));
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	YES("release looks like N.N", u.release[0] >= '1' && u.release[0] <= '9' && strchr(u.release, '.'));
	YES("nodename set", u.nodename[0] != 0);
	YES("version set", u.version[0] != 0);

	uid_t r, e, s;
	gid_t gr, ge, gs;
	YES("getuid == geteuid", getuid() == geteuid());
	YES("getgid == getegid", getgid() == getegid());
	SHOW("getresuid", getresuid(&r, &e, &s));
	YES("resuid agree", r == getuid() && e == geteuid() && s == e);
	SHOW("getresgid", getresgid(&gr, &ge, &gs));
	YES("resgid agree", gr == getgid() && ge == getegid() && gs == ge);
	YES("raw getuid agrees", syscall(SYS_getuid) == (long)getuid());
	int n = getgroups(0, NULL);
	YES("getgroups count non-negative", n >= 0);
	gid_t groups[256];
	YES("getgroups fills as many", getgroups(256, groups) == n);
	if (n > 0)
		SHOW("getgroups too small", getgroups(n - 1 ? n - 1 : 0, groups) == n || errno == EINVAL);
	SHOW("setuid to self", setuid(getuid()));
	SHOW("setgid to self", setgid(getgid()));

	pid_t pid = getpid(), ppid = getppid();
	YES("getpid positive", pid > 0);
	YES("getppid positive", ppid > 0);
	YES("getppid != getpid", ppid != pid);
	YES("gettid == getpid (one thread)", syscall(SYS_gettid) == pid);
	YES("raw getpid agrees", syscall(SYS_getpid) == pid);
	YES("raw getppid agrees", syscall(SYS_getppid) == ppid);
	YES("getpid stable", getpid() == pid);
	YES("getpgid(0) == getpgrp()", getpgid(0) == getpgrp());
	YES("getsid(0) positive", getsid(0) > 0);
	YES("session leader (getsid(0) == getpid)", getsid(0) == pid);
	SHOW("kill(self, 0)", kill(pid, 0));
	SHOW("getpgid of a missing pid", getpgid(0x3fffffff));
	char host[256];
	SHOW("gethostname", gethostname(host, sizeof host));
	YES("hostname is uname's nodename", strcmp(host, u.nodename) == 0);
	return 0;
}
