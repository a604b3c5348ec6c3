using ClusterBroker.Core.Security;

namespace ClusterBroker.Core.Tests;

public class Acl_File_Tests
{
    [Fact]
    public void Topic_lines_before_any_user_line_are_the_anonymous_section()
    {
        AclFile file = AclFile.Parse("""
            # anonymous clients
            topic read public/#
            topic   write   public/in

            user alice
            topic readwrite alice/#
            topic deny alice/secret
            pattern write devices/%c/status
            user bob smith
            topic bob/#
            user alice
            topic read shared/#
            """);

        Assert.Empty(file.Errors);
        Assert.Equal([("public/#", AclAccess.Read), ("public/in", AclAccess.Write)], file.AnonymousRules.Select(r => (r.Filter, r.Access)));
        Assert.Equal([("alice/#", AclAccess.ReadWrite), ("alice/secret", AclAccess.Deny), ("shared/#", AclAccess.Read)], file.UserRules["alice"].Select(r => (r.Filter, r.Access)));
        Assert.Equal([("bob/#", AclAccess.ReadWrite)], file.UserRules["bob smith"].Select(r => (r.Filter, r.Access))); // a user name may hold spaces; the access defaults to readwrite
        Assert.Equal([("devices/%c/status", AclAccess.Write, 8)], file.Patterns.Select(r => (r.Filter, r.Access, r.Line)));
        Assert.Equal(7, file.RuleCount);
    }

    [Fact]
    public void A_filter_may_hold_spaces_after_the_access()
    {
        AclFile file = AclFile.Parse("topic read room 1/temp");
        Assert.Equal("room 1/temp", Assert.Single(file.AnonymousRules).Filter);
    }

    [Fact]
    public void Malformed_lines_are_reported_with_their_line_numbers()
    {
        AclFile file = AclFile.Parse("""
            topic read ok/#
            topic
            topic dney secret/#
            topic read a/#/b
            user
            grant all
            pattern read x/+y
            """);

        Assert.Equal([2, 3, 4, 5, 6, 7], file.Errors.Select(e => e.Line));
        Assert.Contains("dney", file.Errors[1].Message);
        Assert.Contains("grant", file.Errors[4].Message);
        Assert.Equal("ok/#", Assert.Single(file.AnonymousRules).Filter);
    }
}
