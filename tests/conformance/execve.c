/* execve: close-on-exec fds, the new environment, signal dispositions and
 * mask across exec (the test re-executes itself with "child"), #! scripts
 * and the refusals. */
#include "conf.h"
#include <sys/wait.h>

static int child(int argc, char **argv, char **envp)
{
	int n = 0;
	for (char **e = envp; *e; e++)
		n++;
	printf("child: argc %d argv1 %s argv2 %s envc %d\n", argc, argv[1], argc > 2 ? argv[2] : "-", n);
	printf("child: CONF_A=%s CONF_B=%s PATH set %s\n", getenv("CONF_A") ? getenv("CONF_A") : "(unset)",
	       getenv("CONF_B") ? getenv("CONF_B") : "(unset)", getenv("PATH") ? "yes" : "no");
	SHOW("child: fd 10 (cloexec)", fcntl(10, F_GETFD));
	SHOW("child: fd 11 (kept)", fcntl(11, F_GETFD));
	char buf[8] = { 0 };
	SHOW("child: read fd 11", read(11, buf, 3));
	printf("child: got %s\n", buf);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	printf("child: SIGUSR1 %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "caught");
	sigaction(SIGUSR2, NULL, &sa);
	printf("child: SIGUSR2 %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "caught");
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	printf("child: SIGTERM blocked %s\n", sigismember(&m, SIGTERM) ? "yes" : "no");
	sigset_t p;
	sigpending(&p);
	printf("child: SIGTERM pending %s\n", sigismember(&p, SIGTERM) ? "yes" : "no");
	return 5;
}

static void on_usr(int s) { (void)s; }

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child(argc, argv, envp);
	scratch();
	int p[2];
	if (pipe(p) != 0 || dup2(p[0], 11) != 11 || dup2(p[0], 10) != 10)
		return 99;
	SHOW("set FD_CLOEXEC on 10", fcntl(10, F_SETFD, FD_CLOEXEC));
	SHOW("write", write(p[1], "abc", 3));
	signal(SIGUSR1, on_usr);
	signal(SIGUSR2, SIG_IGN);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	sigprocmask(SIG_BLOCK, &m, NULL);
	pid_t c = xfork();
	if (c == 0) {
		raise(SIGTERM); /* blocked: stays pending across exec */
		char *av[] = { argv[0], "child", "two", NULL };
		char *ev[] = { "CONF_A=one", "CONF_B=", NULL };
		execve(argv[0], av, ev);
		_exit(90);
	}
	int st;
	waitpid(c, &st, 0);
	printf("exec'd child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
	sigprocmask(SIG_UNBLOCK, &m, NULL);

	/* Refusals. */
	char *av[] = { "x", NULL };
	SHOW("execve missing", execve("./missing", av, envp));
	SHOW("execve a folder", execve("/", av, envp));
	int fd = open("plain", O_CREAT | O_WRONLY, 0644);
	if (write(fd, "hello\n", 6) != 6)
		return 98;
	close(fd);
	SHOW("execve no x bit", execve("./plain", av, envp));
	chmod("plain", 0755);
	SHOW("execve not an image", execve("./plain", av, envp));
	SHOW("execve bad pointer", syscall(SYS_execve, 8L, av, envp));
	SHOW("execve path through a file", execve("./plain/x", av, envp));

	/* #! scripts: interpreter, its one argument, the script, our args. */
	fd = open("echo.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!/bin/echo  one two  \nignored\n");
	close(fd);
	fd = open("sh.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#! /bin/sh\necho \"script says $1\"\nexit 4\n");
	close(fd);
	fd = open("nested.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!./echo.sh\n");
	close(fd);
	fd = open("noint.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!/nonexistent/interp\n");
	close(fd);
	fd = open("empty.sh", O_CREAT | O_WRONLY, 0755);
	dprintf(fd, "#!   \n");
	close(fd);
	const char *runs[][3] = { { "./echo.sh", "x", "y" }, { "./sh.sh", "hi", NULL }, { "./nested.sh", "z", NULL } };
	for (int i = 0; i < 3; i++) {
		c = xfork();
		if (c == 0) {
			char *a[] = { "argv0", (char *)runs[i][1], (char *)runs[i][2], NULL };
			execve(runs[i][0], a, envp);
			printf("execve %s: %s\n", runs[i][0], ename(errno));
			_exit(91);
		}
		waitpid(c, &st, 0);
		printf("%s: status %d\n", runs[i][0], WEXITSTATUS(st));
	}
	SHOW("execve script, missing interpreter", execve("./noint.sh", av, envp));
	SHOW("execve script, empty #! line", execve("./empty.sh", av, envp));
	unlink("plain");
	unlink("echo.sh");
	unlink("sh.sh");
	unlink("nested.sh");
	unlink("noint.sh");
	unlink("empty.sh");
	scratch_done();
	return 0;
}
