"""Creates the test identities in a fresh Keystone.

Usage: populate.py KEYSTONE_URL.  Talks to Keystone as the
bootstrap admin (password "admin-secret"); see keystone.sh for what it makes.
One process and one admin token: the openstack CLI would start Python and
authenticate again for each of the ~20 calls.
"""
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client


def main(auth_url):
    auth = v3.Password(auth_url=auth_url + "/v3", username="admin",
                       password="admin-secret", project_name="admin",
                       user_domain_name="Default",
                       project_domain_name="Default")
    ks = client.Client(session=session.Session(auth=auth))
    roles = {r.name: r for r in ks.roles.list()}
    for name in ("service", "member", "reader"):
        if name not in roles:
            roles[name] = ks.roles.create(name)

    def project_with_user(project, user, *role_names):
        p = ks.projects.create(project, "default")
        u = ks.users.create(user, domain="default", password="secret")
        for r in role_names:
            ks.roles.grant(roles[r], user=u, project=p)
        return p

    service = project_with_user("service", "neutron", "admin", "service")
    # An agent's service user with nothing but the service role.
    agent = ks.users.create("agent", domain="default", password="secret")
    ks.roles.grant(roles["service"], user=agent, project=service)
    demo1 = project_with_user("demo1", "member1", "member")
    project_with_user("demo2", "member2", "member")
    reader = ks.users.create("reader1", domain="default", password="secret")
    ks.roles.grant(roles["reader"], user=reader, project=demo1)


if __name__ == "__main__":
    main(sys.argv[1])
