@logout
Feature: Log out (v1: DELETE /admin/auth; v2: DELETE /auth/session)
  Logging out ends the cookie session: the cookie stops working. It does not
  revoke bearer access tokens or API tokens, and it ends no other session.

  Background:
    Given I am logged in as the admin

  Scenario: Logging out ends the cookie session
    When I log out with the session cookie
    Then the response status is 200
    When I ask who I am with the session cookie
    Then the response status is 401
    And the response does not reveal the user

  Scenario: Logging out without credentials is refused
    When I log out with no credentials
    Then the response status is 401
    When I ask who I am with the session cookie
    Then the response status is 200

  Scenario: A second logout with the same cookie is refused
    When I log out with the session cookie
    Then the response status is 200
    When I log out with the session cookie
    Then the response status is 401

  Scenario: Logging out ends only the session it was sent with
    Given I have logged in a second time in another session
    When I log out with the session cookie
    Then the response status is 200
    When I ask who I am with the second session cookie
    Then the response status is 200
    And the response user is the user who logged in

  Scenario: A bearer access token keeps working after the cookie session ends
    Given I have an access token for the admin
    When I log out with the session cookie
    Then the response status is 200
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response user is the user who logged in

  @v1
  Scenario: Logging out with only a bearer access token does not revoke it
    Given I have an access token for the admin
    When I log out with the access token as a bearer
    Then the response status is 200
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response user is the user who logged in
    When I ask who I am with the session cookie
    Then the response status is 200

  @v2
  Scenario: Logging out with only a bearer access token is refused and revokes nothing
    Given I have an access token for the admin
    When I log out with the access token as a bearer
    Then the response status is 401
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response user is the user who logged in
    When I ask who I am with the session cookie
    Then the response status is 200

  @api-token @v1
  Scenario: Logging out with only the API token does not revoke it
    When I log out with the API token
    Then the response status is 200
    When I ask who I am with the API token
    Then the response status is 200
    And the response user is the user who logged in
