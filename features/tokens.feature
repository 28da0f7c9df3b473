@tokens
Feature: Bearer access tokens in depth (getToken, and whoami with a bearer JWT)
  An access token is an HS256 JWT that says only whom it is for, for which
  domain, when it was issued and when it expires: anyone holding it can read
  its claims, so none may hold the password, a hash or the e-mail. A token
  that is not signed, whose signature is gone, or whose payload was changed
  after signing is refused. Given the backend's signing secret
  (MEDUSA_JWT_SECRET), the suite signs tokens with wrong claims itself, and
  each is refused as the real server refuses it.

  Background:
    Given I am logged in as the admin

  @v1
  Scenario: An access token carries only the documented claims, for one day
    Given I have an access token for the admin
    Then no claim of the access token holds the password, a hash or the e-mail
    And the access token carries exactly the claims user_id, domain, iat and exp, with domain "admin"
    And the access token lives 86400 seconds

  @v2
  Scenario: A v2 access token carries only the documented claims, for one day
    Given I have an access token for the admin
    Then no claim of the access token holds the password, a hash or the e-mail
    And the access token carries exactly the claims actor_id, actor_type, auth_identity_id, auth_provider, mfa_enabled, mfa_challenge_completed_at, app_metadata, user_metadata, iat and exp, with actor_type "user"
    And the access token lives 86400 seconds

  Scenario Outline: A bearer token that is not properly signed is refused (<credentials>)
    Given I have an access token for the admin
    When I ask who I am with <credentials>
    Then the response status is 401
    And the response does not reveal the user

    Examples:
      | credentials                                                            |
      | the access token re-headed with alg none                               |
      | the access token without its signature                                 |
      | the access token with its payload changed under the original signature |

  @jwt-secret
  Scenario Outline: A token signed with the backend's secret but with wrong claims is refused (<credentials>)
    Given the backend accepts a bearer token signed with its secret
    When I ask who I am with <credentials>
    Then the response status is 401
    And the response does not reveal the user

    Examples:
      | credentials                              |
      | an expired bearer token                  |
      | a bearer token not valid before tomorrow |
      | a bearer token for the store domain      |
      | a bearer token without a domain          |

  @jwt-secret @v1
  Scenario: A token of a user that does not exist is a bad request
    Given the backend accepts a bearer token signed with its secret
    When I ask who I am with a bearer token of an unknown user
    Then the response status is 400
    And the response body is the text "Bad Request"

  @jwt-secret @v2
  Scenario: A token of a user that does not exist is not found
    Given the backend accepts a bearer token signed with its secret
    When I ask who I am with a bearer token of an unknown user
    Then the response status is 404
    And the response is a "not_found" error
    And the response does not reveal the user
